import Foundation
import HTTP1
import TestSupport
import TLSTransport
import XCTest

/// `HTTPServer.reloadTLS`: new material applies from the next handshake, open connections
/// keep what they were verified with, and a reload that fails changes nothing.
final class TLSReloadTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    private func curl(_ harness: ServerHarness, certificate: String, key: String) throws -> ProcessOutput {
        try Subprocess.run("/usr/bin/curl", ["-sS", "--max-time", "30", "--cacert", pki.caCert, "--cert", certificate,
                                             "--key", key, "\(harness.url)/whoami"], timeout: 60)
    }

    /// An operator revokes a client certificate and reloads: that certificate's next
    /// handshake is refused, while its connection already open finishes its request.
    func testReloadedCRLRefusesTheNextHandshakeButNotAnOpenConnection() throws {
        let harness = try ServerHarness(test: self, pki: pki) // no CRL yet
        let open = try BlockingTLSClient(port: harness.port, certificate: pki.revokedCert, key: pki.revokedKey, ca: pki.caCert)
        open.write("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(open.readResponse()?.text, "revoked.client", "not known to be revoked before the reload")

        try harness.server.reloadTLS(pki.serverTLS("pocd.test", checkRevocation: true))

        let refused = try curl(harness, certificate: pki.revokedCert, key: pki.revokedKey)
        XCTAssertNotEqual(refused.status, 0, "the revoked certificate's next handshake is refused: \(refused)")
        XCTAssertTrue(refused.stderr.contains("certificate revoked"), refused.stderr)
        XCTAssertTrue(harness.wait { harness.logs.contains { $0.contains("certificate revoked") } }, "\(harness.logs)")
        let other = try curl(harness, certificate: pki.certificate("officer.test"), key: pki.privateKey("officer.test"))
        XCTAssertEqual(other.stdout, "officer.test", "a certificate the CRL does not list still gets in: \(other)")

        open.write("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n")
        let kept = open.readResponse()
        XCTAssertEqual(kept?.status, 200, "the connection verified before the reload finishes its request")
        XCTAssertEqual(kept?.text, "revoked.client")
        XCTAssertEqual(harness.seen.filter { $0.peer.commonName == "revoked.client" }.count, 2)
    }

    /// A reload with a missing or broken file throws, names the file, and leaves the
    /// material in use unchanged (here: the CRL keeps refusing the revoked certificate,
    /// which the broken configuration, lacking the CRL, would have let in).
    func testFailedReloadThrowsAndKeepsTheOldContext() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        try harness.server.reloadTLS(pki.serverTLS("pocd.test", checkRevocation: true))
        let scratch = try TemporaryDirectory(prefix: "contactpoint-reload")
        try "not a key\n".write(toFile: scratch.path("garbage.key"), atomically: true, encoding: .utf8)
        try "not a CRL\n".write(toFile: scratch.path("garbage.crl"), atomically: true, encoding: .utf8)

        var missingKey = pki.serverTLS("pocd.test")
        missingKey.privateKeyFile = scratch.path("missing.key")
        var garbageKey = pki.serverTLS("pocd.test")
        garbageKey.privateKeyFile = scratch.path("garbage.key")
        var garbageCRL = pki.serverTLS("pocd.test")
        garbageCRL.crlFile = scratch.path("garbage.crl")
        var missingCA = pki.serverTLS("pocd.test")
        missingCA.trustedCAFile = scratch.path("missing-ca.crt")
        for (broken, file) in [(missingKey, "missing.key"), (garbageKey, "garbage.key"), (garbageCRL, "garbage.crl"),
                               (missingCA, "missing-ca.crt")] {
            XCTAssertThrowsError(try harness.server.reloadTLS(broken), file) { error in
                XCTAssertTrue("\(error)".contains(scratch.path(file)), "the error names the file: \(error)")
            }
        }

        let refused = try curl(harness, certificate: pki.revokedCert, key: pki.revokedKey)
        XCTAssertNotEqual(refused.status, 0, "still the context with the CRL: \(refused)")
        XCTAssertTrue(refused.stderr.contains("certificate revoked"), refused.stderr)
        let served = try curl(harness, certificate: pki.certificate("officer.test"), key: pki.privateKey("officer.test"))
        XCTAssertEqual(served.stdout, "officer.test", "\(served)")
    }

    /// A reloaded context has the same profile as the first: only X25519, P-256 and P-384,
    /// and no root certificate sent.
    func testReloadedContextKeepsTheTLSProfile() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        try harness.server.reloadTLS(pki.serverTLS("pocd.test", checkRevocation: true))
        let base = ["s_client", "-connect", "127.0.0.1:\(harness.port)", "-CAfile", pki.caCert, "-verify_return_error",
                    "-cert", pki.certificate("officer.test"), "-key", pki.privateKey("officer.test"), "-tls1_3"]
        let request = Array("GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        let x448 = try Subprocess.run("/usr/bin/openssl", base + ["-groups", "X448", "-quiet"], input: request, timeout: 30)
        XCTAssertNotEqual(x448.status, 0, "X448 is refused after the reload: \(x448)")
        XCTAssertFalse(x448.stdout.contains("officer.test"))
        let shown = try Subprocess.run("/usr/bin/openssl", base + ["-groups", "P-384", "-showcerts", "-ign_eof"],
                                       input: request, timeout: 30)
        XCTAssertTrue(shown.stdout.contains("officer.test"), "P-384 is served: \(shown)")
        XCTAssertEqual(shown.stdout.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1, 1,
                       "only the leaf is sent: \(shown.stdout)")
    }
}
