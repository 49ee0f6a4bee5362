import ContactPointModel
import XCTest
@testable import ContactPointDaemon

/// The request view is written straight to bytes; each deadline as `deadlineJSON` would serialize.
final class RequestViewTests: XCTestCase {
    func testADeadlineWrittenStraightToBytesIsItsJSON() throws {
        let request = try EvidenceRequest.decode(Array(E2ERequest.json.utf8), newID: { RequestID.random().description }).get()
        let submitted = Instant(millisecondsSince1970: 1_800_000_000_000)
        var record = CaseRecord(request, submittedAt: submitted)
        // An escalation fired on the first deadline, and a look from before it falls due, at
        // it, and long after it (seconds left positive, zero, negative; overdue or not).
        let first = try XCTUnwrap(RequestView.Snapshot(record: record, policy: .defaults, now: submitted).deadlines.first)
        try record.apply(.escalated(Escalation(deadline: first.kind, dueAt: first.dueAt, level: 2, notify: ["supervisor"],
                                               lateBy: .minutes(5))), at: first.dueAt + .minutes(5))
        XCTAssertEqual(record.escalations[first.kind], 2)
        var written = 0
        for now in [submitted, first.dueAt, first.dueAt + .days(3)] {
            let s = RequestView.Snapshot(record: record, policy: .defaults, now: now)
            for d in s.deadlines {
                var w = JSONWriter()
                s.write(d, to: &w)
                XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), s.deadlineJSON(d).serializedString())
                written += 1
            }
        }
        XCTAssertGreaterThan(written, 0)
    }
}
