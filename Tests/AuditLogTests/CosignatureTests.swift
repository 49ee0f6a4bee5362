import AuditLog
import XCTest

/// `Cosignature`: C2SP tlog-cosignature v1 (Ed25519).
final class CosignatureTests: XCTestCase {
    /// The C2SP tlog-cosignature example's witness line.
    static let specLine = "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

    /// The spec's example (it publishes no witness key, so its framing is what can be checked):
    /// key ID, the timestamp of its signed-message example, 64 signature bytes, and the message.
    func testTheSpecExample() throws {
        let note = try SignedNote(parsing: CheckpointTests.specBody
            + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
            + Self.specLine)
        XCTAssertEqual(note.signatures.count, 2)
        let cosignature = try Cosignature(try XCTUnwrap(note.signatures.last))
        XCTAssertEqual(cosignature.name, "witness.example.com/w1")
        XCTAssertEqual(cosignature.keyID, 0x8d66cf3f)
        XCTAssertEqual(cosignature.timestamp, 1679315147)
        XCTAssertEqual(cosignature.signature.count, 64)
        XCTAssertEqual(cosignature.noteSignature.line, Self.specLine)
        let checkpoint = try Checkpoint(body: note.body)
        XCTAssertEqual(String(decoding: Cosignature.message(for: checkpoint, timestamp: 1679315147), as: UTF8.self),
                       "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    }

    func testSignAndVerifyRoundTrip() throws {
        let witness = try LogKey.generate()
        let witnessKey = try witness.verifierKey(name: "pocd.de/contactpoint", type: .cosignatureV1)
        let checkpoint = try Checkpoint(origin: "pocd.vn/contactpoint", size: 18234, root: Merkle.leafHash([1]))
        let cosignature = try Cosignature.sign(checkpoint, timestamp: 1_767_225_600, name: "pocd.de/contactpoint", key: witness)
        XCTAssertEqual(cosignature.keyID, witnessKey.keyID)

        let parsed = try Cosignature(NoteSignature(line: cosignature.noteSignature.line))
        XCTAssertEqual(parsed, cosignature)
        XCTAssertTrue(parsed.verify(checkpoint, key: witnessKey))

        // A note verifier configured with the witness key checks it as a cosignature.
        let log = try LogKey.generate()
        let signed = try SignedNote.sign(body: checkpoint.body, name: "pocd.vn/contactpoint", key: log).adding(parsed.noteSignature)
        let verified = try SignedNote(parsing: signed.text).verify(with: [witnessKey])
        XCTAssertEqual(verified, [parsed.noteSignature])
    }

    func testRefusesAChangedTimestampBodyOrKey() throws {
        let witness = try LogKey.generate()
        let witnessKey = try witness.verifierKey(name: "w", type: .cosignatureV1)
        let checkpoint = try Checkpoint(origin: "pocd.vn/contactpoint", size: 5, root: Merkle.leafHash([2]), extensions: ["ext"])
        let cosignature = try Cosignature.sign(checkpoint, timestamp: 1000, name: "w", key: witness)
        XCTAssertTrue(cosignature.verify(checkpoint, key: witnessKey))

        // The timestamp changed in the line: same key ID, other bytes.
        var bytes = cosignature.noteSignature.signature
        guard bytes.count == 72 else { return XCTFail("\(bytes.count) bytes after the key ID") }
        bytes[7] ^= 0x01
        let otherTime = try Cosignature(NoteSignature(name: "w", keyID: cosignature.keyID, signature: bytes))
        XCTAssertEqual(otherTime.timestamp, 1001)
        XCTAssertFalse(otherTime.verify(checkpoint, key: witnessKey))

        // One byte of the body changed: the size, the root, an extension line.
        for other in [try Checkpoint(origin: "pocd.vn/contactpoint", size: 6, root: Merkle.leafHash([2]), extensions: ["ext"]),
                      try Checkpoint(origin: "pocd.vn/contactpoint", size: 5, root: flipped(Merkle.leafHash([2]), byte: 0), extensions: ["ext"]),
                      try Checkpoint(origin: "pocd.vn/contactpoint", size: 5, root: Merkle.leafHash([2]), extensions: ["exu"])] {
            XCTAssertFalse(cosignature.verify(other, key: witnessKey), other.body)
        }
        // Another key, the same key as a note key (0x01), another name.
        XCTAssertFalse(cosignature.verify(checkpoint, key: try LogKey.generate().verifierKey(name: "w", type: .cosignatureV1)))
        XCTAssertFalse(cosignature.verify(checkpoint, key: try witness.verifierKey(name: "w", type: .ed25519)))
        XCTAssertFalse(cosignature.verify(checkpoint, key: try witness.verifierKey(name: "v", type: .cosignatureV1)))

        // Through a note: a cosignature line from the witness key that does not verify refuses the note.
        let note = try SignedNote(body: checkpoint.body, signatures: [otherTime.noteSignature])
        XCTAssertThrowsError(try note.verify(with: [witnessKey]))
    }

    func testRefusesMalformedCosignatures() throws {
        XCTAssertThrowsError(try Cosignature(NoteSignature(name: "w", keyID: 1, signature: [UInt8](repeating: 0, count: 71))))
        XCTAssertThrowsError(try Cosignature(NoteSignature(name: "w", keyID: 1, signature: [UInt8](repeating: 0, count: 73))))
        // A timestamp above 2^63 - 1.
        XCTAssertThrowsError(try Cosignature(NoteSignature(name: "w", keyID: 1, signature: [0x80] + [UInt8](repeating: 0, count: 71))))
        let checkpoint = try Checkpoint(origin: "o", size: 1, root: Merkle.leafHash([]))
        XCTAssertThrowsError(try Cosignature.sign(checkpoint, timestamp: UInt64(Int64.max) + 1, name: "w", key: LogKey.generate()))
        XCTAssertNoThrow(try Cosignature.sign(checkpoint, timestamp: UInt64(Int64.max), name: "w", key: LogKey.generate()))
    }
}
