import AuditLog
import XCTest

/// `SignedNote` and `NoteSignature`: the C2SP signed-note format, vectors from
/// golang.org/x/mod sumdb/note note_test.go and from the C2SP spec, round trips, refusals.
final class SignedNoteTests: XCTestCase {
    private let peter = GoNoteVectors.self

    /// golang.org/x/mod TestSign: the known key signs the known text into the known note.
    func testSignsTheKnownNote() throws {
        let note = try SignedNote.sign(body: peter.text, name: "PeterNeumann", key: peter.peterLogKey())
        XCTAssertEqual(note.text, peter.text + "\n" + peter.peterSig)
    }

    /// golang.org/x/mod TestOpen: one signature verified and one from an unknown key ignored;
    /// both verified; none known.
    func testVerifiesKnownKeysAndIgnoresUnknownOnes() throws {
        let note = try SignedNote(parsing: peter.text + "\n" + peter.peterSig + peter.enochSig)
        XCTAssertEqual(note.body, peter.text)
        XCTAssertEqual(note.signatures.map(\.name), ["PeterNeumann", "EnochRoot"])
        let peterKey = try VerifierKey(parsing: peter.peterKey)
        let enochKey = try VerifierKey(parsing: peter.enochKey)

        XCTAssertEqual(try note.verify(with: [peterKey]).map(\.name), ["PeterNeumann"])
        XCTAssertEqual(try note.verify(with: [peterKey, enochKey]).map(\.name), ["PeterNeumann", "EnochRoot"])
        XCTAssertThrowsError(try note.verify(with: [])) { error in
            XCTAssertEqual(error as? AuditLogError, .verificationFailed("note: no signature from a known key"))
        }
    }

    /// The C2SP signed-note example: its vkey verifies its note.
    func testC2SPExampleVerifies() throws {
        let note = try SignedNote(parsing: "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
        let key = try VerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        XCTAssertEqual(try note.verify(with: [key]).count, 1)
    }

    /// The C2SP signed-note opening example: a text with an empty line of its own is split at
    /// the last empty line, and formats back byte for byte.
    func testBodyMayHoldEmptyLines() throws {
        let text = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
        let note = try SignedNote(parsing: text)
        XCTAssertEqual(note.body, "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        XCTAssertEqual(note.signatures.first?.name, "quasimodo.example/salvatore")
        XCTAssertEqual(note.signatures.first?.keyID, 0x367ba04b)
        XCTAssertEqual(note.text, text)
    }

    func testRoundTripWithAGeneratedKey() throws {
        let key = try LogKey.generate()
        let body = "pocd.vn/contactpoint\n3\n\(Merkle.emptyRoot.base64)\n"
        let note = try SignedNote.sign(body: body, name: "pocd.vn/contactpoint", key: key)
        let parsed = try SignedNote(parsing: Array(note.text.utf8))
        XCTAssertEqual(parsed, note)
        XCTAssertEqual(try parsed.verify(with: [key.verifierKey(name: "pocd.vn/contactpoint")]), note.signatures)
        // A second key's signature, added, verifies too, and the first is unaffected.
        let second = try LogKey.generate()
        let other = try SignedNote.sign(body: body, name: "pocd.vn/contactpoint", key: second)
        let both = try note.adding(try XCTUnwrap(other.signatures.first))
        XCTAssertEqual(try SignedNote(parsing: both.text).verify(with: [key.verifierKey(name: "pocd.vn/contactpoint"),
                                                                       second.verifierKey(name: "pocd.vn/contactpoint")]).count, 2)
    }

    /// A signature that names a known key but does not verify refuses the whole note; one with
    /// the right name and another key ID, or another name, is someone else's and is ignored.
    func testRefusesWrongKeyIDNameAndEditedBody() throws {
        let key = try LogKey.generate()
        let vkey = try key.verifierKey(name: "pocd.vn/contactpoint")
        let note = try SignedNote.sign(body: "pocd.vn/contactpoint\n1\n\(Merkle.emptyRoot.base64)\n", name: "pocd.vn/contactpoint", key: key)
        let signature = try XCTUnwrap(note.signatures.first)

        let wrongID = try SignedNote(body: note.body, signatures: [NoteSignature(name: signature.name, keyID: signature.keyID ^ 1, signature: signature.signature)])
        XCTAssertThrowsError(try wrongID.verify(with: [vkey])) { error in
            XCTAssertEqual(error as? AuditLogError, .verificationFailed("note: no signature from a known key"))
        }
        let wrongName = try SignedNote(body: note.body, signatures: [NoteSignature(name: "pocd.vn/other", keyID: signature.keyID, signature: signature.signature)])
        XCTAssertThrowsError(try wrongName.verify(with: [vkey])) { error in
            XCTAssertEqual(error as? AuditLogError, .verificationFailed("note: no signature from a known key"))
        }
        let edited = try SignedNote(body: note.body.replacingOccurrences(of: "\n1\n", with: "\n2\n"), signatures: note.signatures)
        XCTAssertThrowsError(try edited.verify(with: [vkey])) { error in
            guard case AuditLogError.verificationFailed(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("does not verify"), why)
        }
        // A bad signature by a known key refuses the note even beside a good one.
        let bad = try NoteSignature(name: signature.name, keyID: signature.keyID, signature: signature.signature.map { $0 ^ 0xFF })
        XCTAssertThrowsError(try note.adding(bad).verify(with: [vkey]))
    }

    /// golang.org/x/mod TestOpen's malformed messages, and more: each is refused as malformed.
    func testRefusesMalformedNotes() {
        let text = peter.text
        let sig = peter.peterSig
        let cases: [(String, String)] = [
            (text, "no empty line"),
            (text + "\n", "no signature"),
            (text + "\n" + sig.dropLast(), "does not end in a newline"),
            ("\u{1}" + text + "\n" + sig, "control character"),
            (text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=", "does not end in a newline"),
            (text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "not base64"),
            (text + "\n" + sig + "Unexpected line.\n", "does not start with"),
            (text + sig, "no empty line"),
            (text + "\n" + sig.replacingOccurrences(of: "x08go", with: "x08g!"), "not base64"),
            (text + "\n" + sig.replacingOccurrences(of: "=\n", with: "\n"), "not base64"),
            (text + "\n" + "— PeterNeumann AAAA\n", "fewer than a key ID and a signature"),
            (text + "\n" + "-- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "does not start with"),
            (text + "\n" + "—  PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "key name"),
            // A trailing empty line is the last one: all before it is text, and no signature follows.
            (text + "\n" + sig + "\n", "no signature"),
            (text + "\n" + sig.dropLast() + "\r\n", "control character"),
            (text + "\n" + String(repeating: sig, count: 101), "more than 100 signatures"),
            ("\n" + sig, "no empty line"),
        ]
        for (note, reason) in cases {
            XCTAssertThrowsError(try SignedNote(parsing: note), note.debugDescription) { error in
                guard case AuditLogError.malformed(let why) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(reason), "\(note.debugDescription): \(why)")
            }
        }
        // Bytes that are not UTF-8.
        XCTAssertThrowsError(try SignedNote(parsing: [0xFF] + Array((text + "\n" + sig).utf8))) { error in
            XCTAssertEqual(error as? AuditLogError, .malformed("note: not valid UTF-8"))
        }
        // A hundred signatures are accepted.
        XCTAssertNoThrow(try SignedNote(parsing: text + "\n" + String(repeating: sig, count: 100)))
    }

    func testSignatureLineRoundTrip() throws {
        let line = try NoteSignature(line: peter.peterSig)
        XCTAssertEqual(line.name, "PeterNeumann")
        XCTAssertEqual(line.keyID, 0xc74f20a3)
        XCTAssertEqual(line.signature.count, 64)
        XCTAssertEqual(line.line, peter.peterSig)
        XCTAssertThrowsError(try NoteSignature(line: String(peter.peterSig.dropLast())))
        XCTAssertThrowsError(try NoteSignature(line: peter.peterSig + peter.peterSig))
        // "\r\n" is one Character to Swift; as bytes it is a carriage return before the newline.
        XCTAssertThrowsError(try NoteSignature(line: peter.peterSig.dropLast() + "\r\n"))
        XCTAssertThrowsError(try NoteSignature(name: "a b", keyID: 1, signature: [1]))
        XCTAssertThrowsError(try NoteSignature(name: "a", keyID: 1, signature: []))
    }

    func testRefusesBodiesTheFormatCannotCarry() throws {
        let key = try LogKey.generate()
        for body in ["", "no final newline", "tab\there\n", "bell\u{7}\n"] {
            XCTAssertThrowsError(try SignedNote.sign(body: body, name: "n", key: key), body.debugDescription)
        }
        XCTAssertThrowsError(try SignedNote.sign(body: "ok\n", name: "bad name", key: key))
        XCTAssertThrowsError(try SignedNote(body: "ok\n", signatures: []))
    }
}
