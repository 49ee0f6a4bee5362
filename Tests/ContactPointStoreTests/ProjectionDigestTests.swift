import ContactPointModel
import XCTest
@testable import ContactPointStore

final class ProjectionDigestTests: XCTestCase {
    func snapshot(_ i: Int64) -> CaseRecord.Snapshot {
        CaseRecord.Snapshot(
            id: RequestID.random(), reference: "REF-\(i)-" + String(repeating: "é", count: Int(i % 20)), from: 0x564E, to: 0x4445,
            kind: i % 2 == 0 ? "preservation" : "emergency-disclosure", priority: "urgent", state: "delivered", eventCount: i,
            times: InlineArray { i * 1_000 + Int64($0) }, levels: [i % 3, 0, 1, 0], reminderExpires: Int64.min, reminderBefore: 0,
            erasedAt: i % 5 == 0 ? 1_800_000_000_000 : Int64.min, articles: i % 7)
    }

    /// The digest of many rows is the XOR of each row's SHA-256 (of its canonical bytes), in any
    /// order, as toggling them one by one computes it.
    func testTheDigestOfRowsIsEachRowsHashXored() {
        let rows = (0..<500).map(snapshot)
        var oneByOne = ProjectionDigest()
        for r in rows { oneByOne.toggle(r) }
        XCTAssertEqual(ProjectionDigest(rows: rows), oneByOne)
        var expected = [UInt8](repeating: 0, count: 32)
        for r in rows { for (i, b) in SHA256.digest(r.canonicalBytes).enumerated() { expected[i] ^= b } }
        XCTAssertEqual(ProjectionDigest(rows: rows).bytes, expected)
        XCTAssertEqual(ProjectionDigest(rows: []), ProjectionDigest())
        // Order does not matter; a row removed is toggled out.
        XCTAssertEqual(ProjectionDigest(rows: rows.reversed()), oneByOne)
        var without = ProjectionDigest(rows: rows)
        without.toggle(rows[7])
        XCTAssertEqual(without, ProjectionDigest(rows: rows.enumerated().filter { $0.offset != 7 }.map(\.element)))
    }
}
