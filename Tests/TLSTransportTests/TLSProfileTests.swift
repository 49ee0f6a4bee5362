import Foundation
import Synchronization
import TestSupport
import TLSTransport
import XCTest

/// The TLS profile every context gets, checked with real `openssl s_client` / `s_server`:
/// key exchange only over X25519, P-256 and P-384 (Mozilla "modern"), and a certificate
/// chain of the leaf plus the intermediates from the certificate file, never the root.
final class TLSProfileTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    /// `openssl s_client` with the officer's certificate, sending "hello" then "BYE".
    private func sClient(port: Int, _ extra: [String], quiet: Bool = true) throws -> ProcessOutput {
        var arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", pki.caCert, "-verify_return_error",
                         "-cert", pki.certificate("officer.test"), "-key", pki.privateKey("officer.test")]
        if quiet { arguments.append("-quiet") }
        return try Subprocess.run("/usr/bin/openssl", arguments + extra, input: Array("hello\nBYE\n".utf8), timeout: 30)
    }

    /// The `s:` / `i:` (subject, issuer) pairs of the "Certificate chain" that s_client printed.
    private func chain(in output: String) -> [(subject: String, issuer: String)] {
        var pairs: [(String, String)] = []
        var subject: String?
        for line in output.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let range = trimmed.range(of: #"^\d+ s:"#, options: .regularExpression) {
                subject = String(trimmed[range.upperBound...])
            } else if trimmed.hasPrefix("i:"), let current = subject {
                pairs.append((current, String(trimmed.dropFirst(2))))
                subject = nil
            }
        }
        return pairs
    }

    // MARK: - Groups

    /// s_client's name for the key exchange it did (`Server Temp Key: …`).
    private static let temporaryKey = ["X25519": "X25519, 253 bits", "P-256": "ECDH, prime256v1, 256 bits",
                                       "P-384": "ECDH, secp384r1, 384 bits"]

    /// Runs s_client offering `groups`; returns whether data passed and the key exchange used.
    private func handshake(port: Int, version: String, groups: String) throws -> (passed: Bool, key: String?, output: String) {
        let result = try sClient(port: port, [version, "-groups", groups, "-brief", "-ign_eof"], quiet: false)
        let key = result.stderr.components(separatedBy: "\n").first { $0.hasPrefix("Server Temp Key: ") }
            .map { String($0.dropFirst("Server Temp Key: ".count)) }
        return (result.status == 0 && result.stdout == "hello\nBYE\n", key, result.description)
    }

    func testServerAcceptsOnlyX25519P256AndP384OverTLS13() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        for group in ["X25519", "P-256", "P-384"] {
            let result = try handshake(port: server.port, version: "-tls1_3", groups: group)
            XCTAssertTrue(result.passed, "\(group) is accepted: \(result.output)")
            XCTAssertEqual(result.key, Self.temporaryKey[group], result.output)
        }
        for group in ["X448", "P-521", "ffdhe2048", "ffdhe3072", "ffdhe4096"] {
            let result = try handshake(port: server.port, version: "-tls1_3", groups: group)
            XCTAssertFalse(result.passed, "\(group) alone must not handshake: \(result.output)")
        }
        // A client that prefers X448 (its key share) is asked to retry with one the server takes.
        let steered = try handshake(port: server.port, version: "-tls1_3", groups: "X448:P-521:P-384")
        XCTAssertTrue(steered.passed, steered.output)
        XCTAssertEqual(steered.key, Self.temporaryKey["P-384"], steered.output)
    }

    /// TLS 1.2, where a server allows it: the same groups for ECDHE. (In TLS 1.2 the server's
    /// ECDSA P-256 certificate also needs P-256 among the client's groups, so a group that is
    /// accepted is offered together with P-256, and a refused one alone.)
    func testServerAcceptsOnlyX25519P256AndP384OverTLS12() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test", minimum: .v1_2))
        defer { server.stop() }
        for (groups, expected) in [("X25519:P-256", "X25519"), ("P-256", "P-256"), ("X448:P-521:ffdhe2048:P-256", "P-256")] {
            let result = try handshake(port: server.port, version: "-tls1_2", groups: groups)
            XCTAssertTrue(result.passed, "\(groups): \(result.output)")
            XCTAssertEqual(result.key, Self.temporaryKey[expected], result.output)
        }
        for group in ["X448", "P-521", "ffdhe2048"] {
            let result = try handshake(port: server.port, version: "-tls1_2", groups: group)
            XCTAssertFalse(result.passed, "\(group) alone must not handshake: \(result.output)")
        }
    }

    /// The client side (the daemon's outbound HTTPSClient) offers the same groups: a server
    /// that insists on X448 or P-521 gets no handshake, one on P-384 does.
    func testClientOffersOnlyX25519P256AndP384() throws {
        for (group, accepted) in [("X448", false), ("P-521", false), ("ffdhe2048", false), ("P-384", true), ("X25519", true)] {
            let server = try SServer(pki: pki, arguments: ["-tls1_3", "-groups", group])
            defer { server.stop() }
            let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"))
            let record = client.wait { $0.peer != nil || $0.closed != nil }
            if accepted {
                XCTAssertEqual(record.peer?.commonName, "pocd.test", "\(group): \(String(describing: record.closed))")
            } else {
                XCTAssertNil(record.peer, "\(group) must not handshake")
                guard case .failed? = record.closed else {
                    return XCTFail("\(group): expected a failed handshake, got \(String(describing: record.closed))")
                }
            }
            client.close()
        }
    }

    // MARK: - Certificate chain

    func testServerSendsTheLeafAndNoSelfSignedCertificate() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let result = try sClient(port: server.port, ["-showcerts"], quiet: false)
        XCTAssertTrue(result.stdout.contains("Verify return code: 0 (ok)"), result.stdout + result.stderr)
        let sent = chain(in: result.stdout)
        XCTAssertEqual(sent.count, 1, "only the leaf: \(sent)")
        XCTAssertEqual(sent.first?.subject.hasSuffix("CN = pocd.test"), true, "\(sent)")
        XCTAssertEqual(sent.filter { $0.subject == $0.issuer }.count, 0, "no self-signed certificate is sent: \(sent)")
    }

    /// A certificate file holding leaf, intermediate and root: the intermediate is sent (the
    /// client needs it), the root is not (the client must already have it).
    func testIntermediatesFromTheFileAreSentButNotTheRoot() throws {
        let files = try IntermediateChain(pki: pki)
        let server = try EchoServer(tls: TLSConfiguration(certificateFile: files.chainWithRoot, privateKeyFile: files.leafKey,
                                                          trustedCAFile: pki.caCert))
        defer { server.stop() }
        let result = try sClient(port: server.port, ["-showcerts"], quiet: false)
        XCTAssertTrue(result.stdout.contains("Verify return code: 0 (ok)"), "verified through the intermediate sent: "
                      + result.stdout + result.stderr)
        let sent = chain(in: result.stdout)
        XCTAssertEqual(sent.map(\.subject).map { $0.components(separatedBy: "CN = ").last ?? $0 },
                       ["pocd.chain", "ContactPoint test intermediate"], "\(sent)")
        XCTAssertEqual(sent.filter { $0.subject == $0.issuer }.count, 0, "no self-signed certificate is sent: \(sent)")
    }
}

/// `openssl s_server` on an ephemeral port, for testing the transport's client side.
/// Stopped (killed) by `stop()`.
final class SServer: @unchecked Sendable {
    // `port` is written once in init, before the object is shared.
    let process = Process()
    private(set) var port = 0

    init(pki: TestPKI, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", pki.certificate("pocd.test"),
                             "-key", pki.privateKey("pocd.test"), "-CAfile", pki.caCert] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()
        try process.run()
        // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens; read on another thread so
        // a server that never says it does not hang the test.
        let reader = output.fileHandleForReading
        let found = DispatchSemaphore(value: 0)
        let seen = Mutex("")
        DispatchQueue.global().async {
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                let text = seen.withLock { $0 += String(decoding: data, as: UTF8.self); return $0 }
                if text.contains("ACCEPT"), text.contains("\n") { break }
            }
            found.signal()
        }
        let started = found.wait(timeout: .now() + 20) == .success
        let text = seen.withLock { $0 }
        guard started, let line = text.components(separatedBy: "\n").first(where: { $0.hasPrefix("ACCEPT") }),
              let portText = line.split(separator: ":").last, let bound = Int(portText) else {
            stop()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "s_server did not start: \(text)"])
        }
        port = bound
        // Keep draining its output so it never blocks on a full pipe.
        DispatchQueue.global().async {
            while !reader.availableData.isEmpty {}
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// A chain made with the openssl CLI under the test CA: an intermediate CA, a leaf
/// (CN=pocd.chain, SAN 127.0.0.1) issued by it, and a file with leaf, intermediate and root.
struct IntermediateChain {
    let directory: TemporaryDirectory
    let chainWithRoot: String
    let leafKey: String

    init(pki: TestPKI) throws {
        directory = try TemporaryDirectory(prefix: "contactpoint-chain")
        let dir = directory
        func openssl(_ arguments: [String]) throws {
            let result = try Subprocess.run("/usr/bin/openssl", arguments, timeout: 30)
            guard result.status == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments): \(result)"])
            }
        }
        try "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
            .write(toFile: dir.path("int.ext"), atomically: true, encoding: .utf8)
        try ("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n"
             + "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
            .write(toFile: dir.path("leaf.ext"), atomically: true, encoding: .utf8)
        for name in ["int", "leaf"] {
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir.path("\(name).key")])
        }
        try openssl(["req", "-new", "-key", dir.path("int.key"), "-subj", "/O=ContactPoint test/CN=ContactPoint test intermediate",
                     "-out", dir.path("int.csr")])
        try openssl(["x509", "-req", "-sha256", "-days", "825", "-in", dir.path("int.csr"), "-CA", pki.caCert,
                     "-CAkey", pki.path("ca.key"), "-set_serial", "0x\(UInt64.random(in: 1...UInt64.max))",
                     "-extfile", dir.path("int.ext"), "-out", dir.path("int.crt")])
        try openssl(["req", "-new", "-key", dir.path("leaf.key"), "-subj", "/O=ContactPoint test/CN=pocd.chain",
                     "-out", dir.path("leaf.csr")])
        try openssl(["x509", "-req", "-sha256", "-days", "825", "-in", dir.path("leaf.csr"), "-CA", dir.path("int.crt"),
                     "-CAkey", dir.path("int.key"), "-set_serial", "0x\(UInt64.random(in: 1...UInt64.max))",
                     "-extfile", dir.path("leaf.ext"), "-out", dir.path("leaf.crt")])
        let pem = try ["leaf.crt", "int.crt"].map { try String(contentsOfFile: dir.path($0), encoding: .utf8) }
            + [try String(contentsOfFile: pki.caCert, encoding: .utf8)]
        chainWithRoot = dir.path("chain-with-root.pem")
        try pem.joined().write(toFile: chainWithRoot, atomically: true, encoding: .utf8)
        leafKey = dir.path("leaf.key")
    }
}
