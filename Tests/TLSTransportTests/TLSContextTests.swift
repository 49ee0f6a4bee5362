import Foundation
import TestSupport
import TLSTransport
import XCTest

/// Loading certificates, keys, CA bundles and CRLs: every failure is one line naming the
/// file and the reason.
final class TLSContextTests: XCTestCase {
    var pki: TestPKI!
    var scratch: TemporaryDirectory!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
        scratch = try TemporaryDirectory(prefix: "tls-context")
    }

    override func tearDown() {
        scratch.remove()
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = scratch.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func error(_ make: () throws -> TLSContext) -> TLSError? {
        do {
            _ = try make()
            return nil
        } catch let error as TLSError {
            XCTAssertFalse(error.description.contains("\n"), "one line: \(error)")
            return error
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testValidServerAndClientContexts() throws {
        let server = try TLSContext.server(pki.serverTLS("pocd.test", checkRevocation: true))
        XCTAssertEqual(server.configuration.crlFile, pki.crl)
        _ = try TLSContext.client(pki.clientTLS("officer.test"))
    }

    func testMissingPrivateKeyNamesTheFile() {
        var configuration = pki.serverTLS("pocd.test")
        configuration.privateKeyFile = scratch.path("x.key")
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot read private key \(scratch.path("x.key")): No such file or directory")
    }

    func testMissingCertificate() {
        var configuration = pki.clientTLS("officer.test")
        configuration.certificateFile = "pki/missing.crt"
        let failure = error { try TLSContext.client(configuration) }
        XCTAssertEqual(failure?.description, "cannot read certificate pki/missing.crt: No such file or directory")
        XCTAssertEqual(failure?.file, "pki/missing.crt")
    }

    func testDirectoryInsteadOfCertificate() {
        var configuration = pki.serverTLS("pocd.test")
        configuration.certificateFile = scratch.path
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot read certificate \(scratch.path): Is a directory")
    }

    func testEmptyAndGarbageCertificates() throws {
        var configuration = pki.serverTLS("pocd.test")
        configuration.certificateFile = try write("empty.crt", "")
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot read certificate \(scratch.path("empty.crt")): the file is empty")
        configuration.certificateFile = try write("garbage.crt", "this is not PEM\n")
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot load certificate \(scratch.path("garbage.crt")): no PEM-encoded certificate in the file")
    }

    func testKeyGivenAsCertificate() {
        var configuration = pki.serverTLS("pocd.test")
        configuration.certificateFile = pki.privateKey("pocd.test")
        let message = error { try TLSContext.server(configuration) }?.description ?? ""
        XCTAssertTrue(message.hasPrefix("cannot load certificate \(pki.privateKey("pocd.test")): "), message)
    }

    func testGarbageKey() throws {
        var configuration = pki.serverTLS("pocd.test")
        configuration.privateKeyFile = try write("garbage.key", "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
        let message = error { try TLSContext.server(configuration) }?.description ?? ""
        XCTAssertTrue(message.hasPrefix("cannot load private key \(scratch.path("garbage.key")): "), message)
    }

    func testEncryptedKeyIsRefusedWithoutPrompting() throws {
        let encrypted = scratch.path("encrypted.key")
        let result = try Subprocess.run("/usr/bin/openssl", ["pkey", "-in", pki.privateKey("pocd.test"), "-aes256",
                                                         "-passout", "pass:secret", "-out", encrypted])
        XCTAssertEqual(result.status, 0, result.stderr)
        var configuration = pki.serverTLS("pocd.test")
        configuration.privateKeyFile = encrypted
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot load private key \(encrypted): passphrase-protected keys are not supported")
    }

    func testKeyThatDoesNotMatchTheCertificate() {
        var configuration = pki.serverTLS("pocd.test")
        configuration.privateKeyFile = pki.privateKey("officer.test")
        let failure = error { try TLSContext.server(configuration) }
        XCTAssertEqual(failure?.description,
                       "private key \(pki.privateKey("officer.test")) does not match certificate \(pki.certificate("pocd.test"))")
        XCTAssertEqual(failure?.file, pki.privateKey("officer.test"))
    }

    func testMissingAndEmptyCAFile() throws {
        var configuration = pki.serverTLS("pocd.test")
        configuration.trustedCAFile = "/nonexistent/ca.crt"
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot read trusted CA file /nonexistent/ca.crt: No such file or directory")
        configuration.trustedCAFile = try write("notca.crt", "hello\n")
        let message = error { try TLSContext.client(configuration) }?.description ?? ""
        XCTAssertTrue(message.hasPrefix("cannot load trusted CA file \(scratch.path("notca.crt")): "), message)
    }

    func testBadCRLFile() throws {
        var configuration = pki.serverTLS("pocd.test")
        configuration.crlFile = scratch.path("none.crl")
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot read CRL file \(scratch.path("none.crl")): No such file or directory")
        configuration.crlFile = pki.caCert
        XCTAssertEqual(error { try TLSContext.server(configuration) }?.description,
                       "cannot load CRL file \(pki.caCert): no PEM-encoded CRL in the file")
    }
}
