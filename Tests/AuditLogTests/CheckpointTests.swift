import AuditLog
import XCTest

/// `Checkpoint`: the C2SP tlog-checkpoint note body, strict.
final class CheckpointTests: XCTestCase {
    /// The C2SP tlog-checkpoint example.
    static let specBody = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

    func testParsesTheSpecExample() throws {
        let checkpoint = try Checkpoint(body: Self.specBody)
        XCTAssertEqual(checkpoint.origin, "example.com/behind-the-sofa")
        XCTAssertEqual(checkpoint.size, 20852163)
        XCTAssertEqual(checkpoint.root.base64, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        XCTAssertEqual(checkpoint.extensions, [])
        XCTAssertEqual(checkpoint.body, Self.specBody)
        // The whole spec example, as a signed note.
        let note = try SignedNote(parsing: Self.specBody + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n")
        XCTAssertEqual(try Checkpoint(body: note.body), checkpoint)
    }

    func testBuildsAndKeepsExtensionLines() throws {
        let checkpoint = try Checkpoint(origin: "pocd.vn/contactpoint", size: 0, root: Merkle.emptyRoot, extensions: ["x-ext one", "two"])
        XCTAssertEqual(checkpoint.body, "pocd.vn/contactpoint\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx-ext one\ntwo\n")
        XCTAssertEqual(try Checkpoint(body: checkpoint.body), checkpoint)
    }

    func testRefusesMalformedBodies() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        let cases: [(String, String)] = [
            ("o\n012\n\(root)\n", "leading zero"),
            ("o\n00\n\(root)\n", "leading zero"),
            ("o\n-1\n\(root)\n", "not a decimal"),
            ("o\n+1\n\(root)\n", "not a decimal"),
            ("o\n 1\n\(root)\n", "not a decimal"),
            ("o\n1e3\n\(root)\n", "not a decimal"),
            ("o\n9223372036854775808\n\(root)\n", "too large"),
            ("\n1\n\(root)\n", "an empty line"),
            ("o\n\n\(root)\n", "an empty line"),
            ("o\n1\n\(root)\n\nextension\n", "an empty line"),
            ("o\n1\n\(root)", "does not end in a newline"),
            ("o\n1\n", "fewer than three lines"),
            ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", "not base64 of 32 bytes"),
            ("o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n", "not base64 of 32 bytes"),
            ("o\n1\n\(Merkle.emptyRoot.hex)\n", "not base64 of 32 bytes"),
            ("o\u{1}\n1\n\(root)\n", "control character"),
            ("o\r\n1\n\(root)\n", "control character"),
        ]
        for (body, reason) in cases {
            XCTAssertThrowsError(try Checkpoint(body: body), body.debugDescription) { error in
                guard case AuditLogError.malformed(let why) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(reason), "\(body.debugDescription): \(why)")
            }
        }
        XCTAssertNoThrow(try Checkpoint(body: "o\n9223372036854775807\n\(root)\n"))
        XCTAssertThrowsError(try Checkpoint(origin: "", size: 1, root: Merkle.emptyRoot))
        XCTAssertThrowsError(try Checkpoint(origin: "o", size: -1, root: Merkle.emptyRoot))
        XCTAssertThrowsError(try Checkpoint(origin: "o\np", size: 1, root: Merkle.emptyRoot))
        XCTAssertThrowsError(try Checkpoint(origin: "o", size: 1, root: Merkle.emptyRoot, extensions: [""]))
    }
}
