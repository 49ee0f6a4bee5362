import AuditLog
import XCTest

/// `AddCheckpointRequest`: the C2SP tlog-witness add-checkpoint body.
final class AddCheckpointRequestTests: XCTestCase {
    /// The C2SP tlog-witness example request body.
    static let specBody = """
        old 20852014
        PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
        jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
        5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
        /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
        — example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=

        """

    func testParsesTheSpecExample() throws {
        let request = try AddCheckpointRequest(parsing: Array(Self.specBody.utf8))
        XCTAssertEqual(request.oldSize, 20852014)
        XCTAssertEqual(request.proof.map(\.base64), ["PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
                                                     "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
                                                     "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=",
                                                     "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0="])
        XCTAssertEqual(request.checkpoint.origin, "example.com/behind-the-sofa")
        XCTAssertEqual(request.checkpoint.size, 20852163)
        XCTAssertEqual(request.note.signatures.count, 2)
        XCTAssertEqual(request.body, Array(Self.specBody.utf8))
    }

    func testBuildParseRoundTrip() throws {
        let log = try LogKey.generate()
        let leaves = (0..<11).map { Merkle.leafHash([UInt8($0)]) }
        let store = InMemoryNodeStore(leafHashes: leaves)
        let checkpoint = try Checkpoint(origin: "pocd.vn/contactpoint", size: 11, root: Merkle.root(size: 11, store: store))
        let note = try SignedNote.sign(body: checkpoint.body, name: "pocd.vn/contactpoint", key: log)
        for old: Int64 in [0, 1, 4, 7, 11] {
            let request = try AddCheckpointRequest(oldSize: old, proof: Merkle.consistencyProof(from: old, to: 11, store: store), note: note)
            let parsed = try AddCheckpointRequest(parsing: request.body)
            XCTAssertEqual(parsed, request, "old \(old)")
            XCTAssertEqual(parsed.checkpoint, checkpoint)
            XCTAssertTrue(Merkle.verifyConsistency(from: old, to: 11, fromRoot: try Merkle.root(size: old, store: store),
                                                   toRoot: parsed.checkpoint.root, proof: parsed.proof), "old \(old)")
        }
    }

    func testRefusesMalformedBodies() throws {
        let hash = Merkle.emptyRoot.base64 + "\n"
        let note = "o\n5\n\(Merkle.emptyRoot.base64)\n\n— o AAAAAAAA\n"
        let cases: [(String, String)] = [
            ("old 5\n" + String(repeating: hash, count: 64) + "\n" + note, "more than 63 proof lines"),
            ("old 05\n\n" + note, "leading zero"),
            ("old -1\n\n" + note, "not a decimal"),
            ("old  5\n\n" + note, "not a decimal"),
            ("old 5 \n\n" + note, "not a decimal"),
            ("old \n\n" + note, "is empty"),
            ("Old 5\n\n" + note, "\"old <size>\""),
            ("old5\n\n" + note, "\"old <size>\""),
            ("old 5\n" + hash + note, "not base64 of 32 bytes"),
            ("old 5\n" + hash, "no empty line"),
            ("old 5", "no empty line"),
            ("old 5\n" + Merkle.emptyRoot.hex + "\n\n" + note, "proof line 1 is not base64"),
            ("old 5\n\n" + "o\n5\n\(Merkle.emptyRoot.base64)\n", "no empty line"),
            ("old 5\n\n" + "o\n05\n\(Merkle.emptyRoot.base64)\n\n— o AAAAAAAA\n", "leading zero"),
            ("old 5\r\n\n" + note, "not a decimal"),
            // A combining mark joins the space into one Character; the parser reads bytes.
            ("old \u{301}5\n\n" + note, "not a decimal"),
        ]
        for (body, reason) in cases {
            XCTAssertThrowsError(try AddCheckpointRequest(parsing: Array(body.utf8)), body.debugDescription) { error in
                guard case AuditLogError.malformed(let why) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(reason), "\(body.debugDescription): \(why)")
            }
        }
        XCTAssertThrowsError(try AddCheckpointRequest(parsing: [0xC0, 0xAF]))
        // Exactly 63 proof lines are accepted.
        let longest = try AddCheckpointRequest(parsing: Array(("old 5\n" + String(repeating: hash, count: 63) + "\n" + note).utf8))
        XCTAssertEqual(longest.proof.count, 63)
        XCTAssertThrowsError(try AddCheckpointRequest(oldSize: 1, proof: [MerkleHash](repeating: Merkle.emptyRoot, count: 64), note: longest.note))
        XCTAssertThrowsError(try AddCheckpointRequest(oldSize: -1, proof: [], note: longest.note))
    }
}
