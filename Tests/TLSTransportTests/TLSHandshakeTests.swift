import Foundation
import TestSupport
import TLSTransport
import XCTest

/// `openssl s_client` against the transport's server side: who gets in, who does not,
/// and what the server learns about the peer.
final class TLSHandshakeTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    /// Runs `openssl s_client` sending "hello" then "BYE" (the echo server closes after it).
    private func sClient(port: Int, certificate: String?, key: String?, extra: [String] = []) throws -> ProcessOutput {
        var arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", pki.caCert,
                         "-verify_return_error", "-quiet"]
        if let certificate, let key { arguments += ["-cert", certificate, "-key", key] }
        return try Subprocess.run("/usr/bin/openssl", arguments + extra, input: Array("hello\nBYE\n".utf8), timeout: 30)
    }

    private func failure(of server: EchoServer) -> TLSFailure? {
        for outcome in server.waitForOutcomes(1) {
            if case .failed(let failure) = outcome { return failure }
        }
        return nil
    }

    func testValidClientCertificateIsAcceptedAndIdentified() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: pki.certificate("officer.test"),
                                 key: pki.privateKey("officer.test"))
        XCTAssertEqual(result.stdout, "hello\nBYE\n", result.stderr)
        guard case .accepted(let peer)? = server.waitForOutcomes(1).first else {
            return XCTFail("no accepted handshake: \(server.recorded)")
        }
        XCTAssertEqual(peer.commonName, "officer.test")
        XCTAssertEqual(peer.subjectAltNames, [])
        XCTAssertGreaterThan(peer.notAfter ?? .distantPast, Date().addingTimeInterval(86400 * 300))
    }

    func testPeerIdentityCarriesSubjectAltNames() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: pki.certificate("pocd.test"),
                                 key: pki.privateKey("pocd.test"))
        XCTAssertEqual(result.stdout, "hello\nBYE\n", result.stderr)
        guard case .accepted(let peer)? = server.waitForOutcomes(1).first else { return XCTFail("not accepted") }
        XCTAssertEqual(peer.commonName, "pocd.test")
        XCTAssertEqual(peer.subjectAltNames, ["localhost", "127.0.0.1", "::1", "pocd.test"])
        XCTAssertTrue(peer.matches("pocd.test") && peer.matches("::1") && !peer.matches("other"))
    }

    func testClientWithoutCertificateIsRefused() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: nil, key: nil)
        XCTAssertFalse(result.stdout.contains("hello"), "no data may pass without a client certificate")
        // TLS 1.3: the client finishes first and learns of the refusal on its next read.
        XCTAssertTrue(result.stderr.contains("certificate required"), result.stderr)
        let failure = try XCTUnwrap(self.failure(of: server))
        XCTAssertEqual(failure, TLSFailure(.peerCertificateRejected, "no certificate presented"))
    }

    func testCertificateFromForeignCAIsRefused() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: pki.foreignCert, key: pki.foreignKey)
        XCTAssertFalse(result.stdout.contains("hello"))
        XCTAssertTrue(result.stderr.contains("unknown ca"), result.stderr)
        let failure = try XCTUnwrap(self.failure(of: server))
        XCTAssertEqual(failure.kind, .peerCertificateRejected)
        XCTAssertTrue(failure.detail.contains("unable to get local issuer certificate"), failure.detail)
    }

    func testExpiredCertificateIsRefused() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: pki.expiredCert, key: pki.expiredKey)
        XCTAssertFalse(result.stdout.contains("hello"))
        XCTAssertTrue(result.stderr.contains("certificate expired"), result.stderr)
        XCTAssertEqual(try XCTUnwrap(self.failure(of: server)), TLSFailure(.peerCertificateRejected, "certificate has expired"))
    }

    func testRevokedCertificateIsRefusedOnlyWhenTheCRLIsConfigured() throws {
        let checking = try EchoServer(tls: pki.serverTLS("pocd.test", checkRevocation: true))
        defer { checking.stop() }
        let refused = try sClient(port: checking.port, certificate: pki.revokedCert, key: pki.revokedKey)
        XCTAssertFalse(refused.stdout.contains("hello"))
        XCTAssertEqual(try XCTUnwrap(self.failure(of: checking)), TLSFailure(.peerCertificateRejected, "certificate revoked"))
        let valid = try sClient(port: checking.port, certificate: pki.certificate("officer.test"),
                                key: pki.privateKey("officer.test"))
        XCTAssertEqual(valid.stdout, "hello\nBYE\n", "a certificate the CRL does not list still gets in")

        let unchecked = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { unchecked.stop() }
        let accepted = try sClient(port: unchecked.port, certificate: pki.revokedCert, key: pki.revokedKey)
        XCTAssertEqual(accepted.stdout, "hello\nBYE\n", "without a CRL the revoked certificate is not known to be revoked")
    }

    func testTLS12ClientIsRefusedWhenTheMinimumIs13() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test", minimum: .v1_3))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: pki.certificate("officer.test"),
                                 key: pki.privateKey("officer.test"), extra: ["-tls1_2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertFalse(result.stdout.contains("hello"))
        XCTAssertTrue(result.stderr.contains("protocol version"), result.stderr)
        XCTAssertEqual(try XCTUnwrap(self.failure(of: server)).kind, .protocolViolation)
    }

    func testTLS12ClientIsAcceptedWhenTheMinimumIs12() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test", minimum: .v1_2))
        defer { server.stop() }
        let result = try sClient(port: server.port, certificate: pki.certificate("officer.test"),
                                 key: pki.privateKey("officer.test"), extra: ["-tls1_2"])
        XCTAssertEqual(result.stdout, "hello\nBYE\n", result.stderr)
        guard case .accepted(let peer)? = server.waitForOutcomes(1).first else { return XCTFail("not accepted") }
        XCTAssertEqual(peer.commonName, "officer.test")
        // And a TLS 1.2 client without a certificate is refused during the handshake itself.
        let anonymous = try sClient(port: server.port, certificate: nil, key: nil, extra: ["-tls1_2"])
        XCTAssertNotEqual(anonymous.status, 0)
        XCTAssertFalse(anonymous.stdout.contains("hello"))
    }
}
