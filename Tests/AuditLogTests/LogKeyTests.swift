import Foundation
import AuditLog
import XCTest

/// `LogKey`: Ed25519 over OpenSSL, PKCS#8 PEM in and out, the 0600 key file.
final class LogKeyTests: XCTestCase {
    /// golang.org/x/mod sumdb/note: the known seed gives the known public key, and Ed25519
    /// being deterministic, the known signature.
    func testKnownKeyGivesKnownPublicKeyAndSignature() throws {
        let key = try GoNoteVectors.peterLogKey()
        XCTAssertEqual(try key.verifierKey(name: "PeterNeumann").description, GoNoteVectors.peterKey)
        let signature = try key.sign(Array(GoNoteVectors.text.utf8))
        let line = try NoteSignature(line: GoNoteVectors.peterSig)
        XCTAssertEqual(signature, line.signature)
    }

    /// RFC 8032 §7.1, TEST 1: the empty message under the published secret key.
    func testRFC8032TestVector() throws {
        let seed = try XCTUnwrap(MerkleHash(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")).bytes
        let key = try LogKey(pem: ed25519PEM(seed: seed))
        XCTAssertEqual(try XCTUnwrap(MerkleHash(bytes: key.publicKey)).hex,
                       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = try key.sign([])
        XCTAssertEqual(signature.map { String(format: "%02x", $0) }.joined(),
                       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    }

    func testSignaturesVerifyOnlyForTheirMessageAndKey() throws {
        let key = try LogKey.generate()
        let other = try LogKey.generate()
        XCTAssertEqual(key.publicKey.count, 32)
        XCTAssertNotEqual(key.publicKey, other.publicKey)
        let message = Array("checkpoint body\n".utf8)
        let signature = try key.sign(message)
        guard signature.count == 64 else { return XCTFail("\(signature.count)-byte signature") }
        let vkey = try key.verifierKey(name: "pocd.vn/contactpoint")
        XCTAssertTrue(vkey.verify(signature, message: message))
        XCTAssertFalse(vkey.verify(signature, message: message + [0x0A]))
        XCTAssertFalse(try other.verifierKey(name: "pocd.vn/contactpoint").verify(signature, message: message))
        var altered = signature
        altered[10] ^= 0x80
        XCTAssertFalse(vkey.verify(altered, message: message))
        XCTAssertFalse(vkey.verify(Array(signature.dropLast()), message: message))
    }

    func testPEMRoundTrip() throws {
        let key = try LogKey.generate()
        let pem = try key.pem()
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"), pem)
        let again = try LogKey(pem: pem)
        XCTAssertEqual(again.publicKey, key.publicKey)
    }

    func testWritesA0600FileOnceAndReadsItBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path + "/log.key"
        let key = try LogKey.generate()
        try key.write(pemFile: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try LogKey(pemFile: path).publicKey, key.publicKey)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["log.key"], "no temporary file left")

        // A log key is never replaced: its signatures would stop verifying.
        XCTAssertThrowsError(try LogKey.generate().write(pemFile: path)) { error in
            guard case AuditLogError.keyFailure(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains(path), why)
        }
        XCTAssertEqual(try LogKey(pemFile: path).publicKey, key.publicKey)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["log.key"])
    }

    func testRefusesWhatIsNotAnEd25519PrivateKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // A P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256), made for this test.
        let ecKey = """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtHQ9vq6z507+JS/U
            kTCzDC48QS0yrAI4tgKnk9o85zKhRANCAAQWff119qrt0xGX2jldbUwNL6FGPO6R
            FK6wTzHX9j7eU6ysNOEwIVnlbDziU8Vond0AATSoUukZlGGYKtgRomgq
            -----END PRIVATE KEY-----

            """
        let cases: [(String, String)] = [
            (ecKey, "not an Ed25519 key"),
            ("", "no PEM private key"),
            ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "no PEM private key"),
        ]
        for (pem, reason) in cases {
            XCTAssertThrowsError(try LogKey(pem: pem)) { error in
                guard case AuditLogError.keyFailure(let why) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(reason), why)
            }
        }
        let missing = directory.path + "/absent.key"
        XCTAssertThrowsError(try LogKey(pemFile: missing)) { error in
            XCTAssertTrue("\(error)".contains(missing), "\(error)")
        }
    }
}
