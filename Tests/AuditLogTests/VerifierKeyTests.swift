import AuditLog
import XCTest

/// `VerifierKey`: the C2SP vkey text, key IDs by signature type.
final class VerifierKeyTests: XCTestCase {
    /// Vkeys from golang.org/x/mod sumdb/note note_test.go and the C2SP signed-note example.
    func testKnownVkeysParseAndFormatBack() throws {
        let cases: [(vkey: String, name: String, keyID: UInt32)] = [
            (GoNoteVectors.peterKey, "PeterNeumann", 0xc74f20a3),
            (GoNoteVectors.enochKey, "EnochRoot", 0xaf0cfe78),
            ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "example.com/foo", 0x530d903a),
        ]
        for c in cases {
            let key = try VerifierKey(parsing: c.vkey)
            XCTAssertEqual(key.name, c.name)
            XCTAssertEqual(key.keyID, c.keyID)
            XCTAssertEqual(key.type, .ed25519)
            XCTAssertEqual(key.publicKey.count, 32)
            XCTAssertEqual(key.description, c.vkey)
            XCTAssertEqual(try VerifierKey(name: c.name, type: .ed25519, publicKey: key.publicKey), key)
        }
    }

    /// As golang.org/x/mod's TestNewVerifier: every proper substring of a vkey, and every
    /// single-byte change of it, is refused.
    func testEveryManglingIsRefused() {
        let vkey = Array(GoNoteVectors.peterKey.utf8)
        for i in 0...vkey.count {
            for j in (i + 1)..<(vkey.count + 1) where !(i == 0 && j == vkey.count) {
                let text = String(decoding: vkey[i..<j], as: UTF8.self)
                XCTAssertThrowsError(try VerifierKey(parsing: text), text)
            }
        }
        for i in vkey.indices {
            var changed = vkey
            changed[i] &+= 1
            let text = String(decoding: changed, as: UTF8.self)
            XCTAssertThrowsError(try VerifierKey(parsing: text), text)
        }
    }

    func testRefusalsNameThePart() {
        let cases: [(String, String)] = [
            // golang.org/x/mod: a wrong-length key and an unknown algorithm, key IDs adjusted.
            // (Refused already as base64: "EY==" leaves non-zero bits after its last byte.)
            ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "not base64"),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==", "not 32"),
            ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "unknown signature type 0x65"),
            ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 lower-case hex digits"),
            ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
            ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "invalid key name"),
            ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "invalid key name"),
            ("PeterNeumann+c74f20a3", "not <name>+<key ID>+<key>"),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "not base64"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try VerifierKey(parsing: text), text) { error in
                guard case AuditLogError.malformed(let why) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(reason), "\(text): \(why)")
            }
        }
    }

    /// The same public key as a note key (0x01) and a cosignature key (0x04): two key IDs, two
    /// vkeys, each round-tripping; the 0x04 vkey's base64 starts with "B" (0x04 = 000001 00…).
    func testCosignatureKeysHaveTheirOwnKeyID() throws {
        let key = try LogKey.generate()
        let note = try key.verifierKey(name: "pocd.de/contactpoint", type: .ed25519)
        let witness = try key.verifierKey(name: "pocd.de/contactpoint", type: .cosignatureV1)
        XCTAssertNotEqual(note.keyID, witness.keyID)
        XCTAssertEqual(note.publicKey, witness.publicKey)
        let parts = witness.description.split(separator: "+", maxSplits: 2)
        XCTAssertEqual(parts.count, 3)
        XCTAssertTrue(parts.last?.hasPrefix("B") ?? false, witness.description)
        XCTAssertEqual(try VerifierKey(parsing: witness.description), witness)
        XCTAssertEqual(try VerifierKey(parsing: note.description), note)
    }

    func testNamesWithSpacesOrPlusAreRefused() {
        for name in ["", "a b", "a+b", "a\u{A0}b", "tab\tname", "a\nb", "a\u{2003}b"] {
            XCTAssertThrowsError(try VerifierKey(name: name, type: .ed25519, publicKey: [UInt8](repeating: 1, count: 32)), name.debugDescription)
        }
        XCTAssertThrowsError(try VerifierKey(name: "ok", type: .ed25519, publicKey: [UInt8](repeating: 1, count: 31)))
    }
}
