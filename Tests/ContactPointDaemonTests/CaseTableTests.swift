import ContactPointModel
import XCTest
@testable import ContactPointDaemon

/// The Desk's table of requests and its open-addressing index, against a dictionary kept beside it.
final class CaseTableTests: XCTestCase {
    func testTheIndexFindsEveryRequestThroughGrowthAndRemovalsOfTheNewest() throws {
        let base = try EvidenceRequest.decode(Array(E2ERequest.json.utf8), newID: { RequestID.random().description }).get()
        func record(_ id: RequestID) -> CaseRecord {
            var request = base
            request.id = id.description
            return CaseRecord(request, submittedAt: Instant(millisecondsSince1970: 0))
        }
        for reserved in [0, 5_000] {
            var table = CaseTable()
            table.reserve(reserved)
            var model: [RequestID: CaseTable.Slot] = [:]
            var order: [RequestID] = []
            func verify(_ step: Int) {
                XCTAssertEqual(table.count, order.count, "step \(step)")
                for (id, slot) in model where table.slot(of: id) != slot {
                    return XCTFail("step \(step): \(id) at \(String(describing: table.slot(of: id))), expected \(slot)")
                }
                XCTAssertNil(table.slot(of: RequestID.random()), "step \(step): an unknown id")
                XCTAssertEqual(order.last.flatMap { table[$0]?.key }, order.last)
            }
            for step in 0..<4_000 {
                // Grows past several doublings of the index (16 buckets at first), removing the
                // newest request now and then (as a failed append does), so that entries after a
                // removed one must be moved back along their probe sequences.
                if let last = order.last, Int.random(in: 0..<4) == 0 {
                    table[last] = nil
                    model[last] = nil
                    order.removeLast()
                } else {
                    let id = RequestID.random()
                    table[id] = record(id)
                    model[id] = CaseTable.Slot(order.count)
                    order.append(id)
                }
                if step % 97 == 0 || step > 3_990 { verify(step) }
            }
            // Updating a record in place leaves the index as it was.
            if let first = order.first {
                var r = try XCTUnwrap(table[first])
                try r.apply(.delivered(by: "pocd.de"), at: Instant(millisecondsSince1970: 1_000))
                table[first] = r
                XCTAssertEqual(table[first]?.state, .delivered)
                XCTAssertEqual(table.count, order.count)
                verify(-1)
            }
        }
    }
}
