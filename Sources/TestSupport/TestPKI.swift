import Foundation
import Synchronization
import TLSTransport

/// A throwaway PKI made by `Scripts/pki.sh` in a temporary directory: a CA, server and
/// client certificates for the names asked for, and the hostile extras every test
/// needs (an expired certificate, a foreign CA and its certificate, a revoked certificate
/// and the CRL that revokes it).
///
/// `shared(servers:clients:)` runs the script once per process for a given set of names
/// and removes the directory when the process exits; paths are absolute strings, ready
/// for `TLSConfiguration`.
public final class TestPKI: Sendable {
    /// The directory holding the files.
    public let directory: TemporaryDirectory
    /// The server names made (`NAME.crt` with SANs localhost, 127.0.0.1, ::1, NAME).
    public let servers: [String]
    /// The client names made (`NAME.crt`, clientAuth).
    public let clients: [String]

    private static let cache = Mutex<[String: TestPKI]>([:])

    /// The PKI for these names, made on first use in this process.
    public static func shared(servers: [String] = ["pocd.test"], clients: [String] = ["officer.test"]) throws -> TestPKI {
        let key = servers.sorted().joined(separator: ",") + "|" + clients.sorted().joined(separator: ",")
        return try cache.withLock { cache in
            if let existing = cache[key] { return existing }
            if cache.isEmpty { atexit { TestPKI.removeAll() } }
            let made = try TestPKI(servers: servers, clients: clients)
            cache[key] = made
            return made
        }
    }

    /// Makes a new PKI in a new temporary directory (removed when this object goes away).
    public init(servers: [String], clients: [String]) throws {
        directory = try TemporaryDirectory(prefix: "contactpoint-pki")
        self.servers = servers
        self.clients = clients
        var arguments = [ProjectRoot.path("Scripts/pki.sh"), directory.path]
        for name in servers { arguments += ["--server", name] }
        for name in clients { arguments += ["--client", name] }
        let made = try Subprocess.run("/bin/bash", arguments, timeout: 300)
        guard made.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "Scripts/pki.sh failed: \(made.stderr)"])
        }
    }

    private static func removeAll() {
        cache.withLock { cache in
            for pki in cache.values { pki.directory.remove() }
        }
    }

    /// The absolute path of `file` in the PKI directory.
    public func path(_ file: String) -> String { directory.path(file) }

    /// The CA certificate that signed every server and client certificate.
    public var caCert: String { path("ca.crt") }
    /// `NAME.crt` for a server or client name.
    public func certificate(_ name: String) -> String { path("\(name).crt") }
    /// `NAME.key` for a server or client name.
    public func privateKey(_ name: String) -> String { path("\(name).key") }
    /// A certificate from the CA whose validity ended in January 2020 (CN=expired.client).
    public var expiredCert: String { path("expired.crt") }
    /// The key of `expiredCert`.
    public var expiredKey: String { path("expired.key") }
    /// A certificate from `foreignCA` (CN=foreign.client; client and server use, SAN 127.0.0.1).
    public var foreignCert: String { path("foreign.crt") }
    /// The key of `foreignCert`.
    public var foreignKey: String { path("foreign.key") }
    /// A CA nobody here trusts.
    public var foreignCA: String { path("foreign-ca.crt") }
    /// A certificate from the CA that `crl` revokes (CN=revoked.client).
    public var revokedCert: String { path("revoked.crt") }
    /// The key of `revokedCert`.
    public var revokedKey: String { path("revoked.key") }
    /// The CA's CRL, revoking `revokedCert`.
    public var crl: String { path("ca.crl") }

    /// Server-side TLS for `name`, trusting the test CA; with `checkRevocation` the CRL is used.
    public func serverTLS(_ name: String, minimum: TLSVersion = .v1_3, checkRevocation: Bool = false) -> TLSConfiguration {
        TLSConfiguration(certificateFile: certificate(name), privateKeyFile: privateKey(name),
                         trustedCAFile: caCert, crlFile: checkRevocation ? crl : nil, minimumVersion: minimum)
    }

    /// Client-side TLS for `name`, trusting the test CA.
    public func clientTLS(_ name: String) -> TLSConfiguration {
        TLSConfiguration(certificateFile: certificate(name), privateKeyFile: privateKey(name), trustedCAFile: caCert)
    }
}
