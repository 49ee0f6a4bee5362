import XCTest
@testable import ContactPointModel

/// The compliance figures (docs/dashboard.md): each deadline counted once per window, on time,
/// late, or late and still unanswered; nothing counted before it is due or once it is moot.
final class ComplianceTests: XCTestCase {
    let policy = DeadlinePolicy.defaults  // urgent: deliver 15m, acknowledge 4h, preserve 24h
    let de: Set<CountryCode> = [CountryCode("DE")!]

    func record(at start: Instant, _ steps: [(CaseEvent, PolicyDuration)]) throws -> CaseRecord {
        var r = CaseRecord(try decode(validRequestJSON).get(), submittedAt: start)
        for (event, after) in steps { try r.apply(event, at: start + after) }
        return r
    }

    func cell(_ tally: ComplianceTally, days: Int = 7, _ ownedBy: String, _ kind: String, _ priority: String = "urgent") -> [String: Int] {
        let window = tally.json["windows"]?.arrayValue?.first { $0["days"]?.intValue == days }
        let row = window?["deadlines"]?.arrayValue?.first {
            $0["owed_by"]?.stringValue == ownedBy && $0["kind"]?.stringValue == kind && $0["priority"]?.stringValue == priority
        }
        return ["on_time": row?["on_time"]?.intValue ?? -1, "late": row?["late"]?.intValue ?? -1,
                "late_unanswered": row?["late_unanswered"]?.intValue ?? -1]
    }

    func testOnTimeLateAndUnansweredAreCountedForTheSideThatOwedThem() throws {
        let now = t0 + .days(2)
        var tally = ComplianceTally(now: now, mine: de)
        // Delivered at once, acknowledged after 1 h (due 4 h), preserved after 30 h (due 24 h).
        tally.add(try record(at: t0, [(.delivered(by: "pocd.de"), .seconds(2)), (.acknowledged, .hours(1)),
                                      (.preserved(providerReference: "P-1", partial: false, expiresAt: t0 + .days(70)), .hours(30))]),
                  policy: policy)
        // Delivered, then nothing: acknowledge and preserve are late and unanswered.
        tally.add(try record(at: t0, [(.delivered(by: "pocd.de"), .seconds(2))]), policy: policy)
        // Submitted an hour ago: nothing is due yet, nothing counts but its delivery.
        tally.add(try record(at: now - .hours(1), [(.delivered(by: "pocd.de"), .seconds(2))]), policy: policy)
        // Withdrawn before delivery: its delivery was made moot.
        tally.add(try record(at: t0, [(.withdrawn(reason: "sent in error"), .seconds(1))]), policy: policy)

        XCTAssertEqual(cell(tally, "partners", "deliver"), ["on_time": 3, "late": 0, "late_unanswered": 0])
        XCTAssertEqual(cell(tally, "us", "acknowledge"), ["on_time": 1, "late": 0, "late_unanswered": 1])
        XCTAssertEqual(cell(tally, "us", "preserve"), ["on_time": 0, "late": 1, "late_unanswered": 1])
        XCTAssertEqual(cell(tally, "us", "acknowledge", "emergency"), ["on_time": 0, "late": 0, "late_unanswered": 0])
        let rate = tally.json["windows"]?[0]?["deadlines"]?.arrayValue?.first {
            $0["owed_by"] == "us" && $0["kind"] == "acknowledge" && $0["priority"] == "urgent"
        }?["on_time_rate"]
        XCTAssertEqual(rate, .number(0.5))
        // Seen from VN, the same deadlines are the partner's.
        var vn = ComplianceTally(now: now, mine: [CountryCode("VN")!])
        vn.add(try record(at: t0, [(.delivered(by: "pocd.de"), .seconds(2)), (.acknowledged, .hours(1))]), policy: policy)
        XCTAssertEqual(cell(vn, "partners", "acknowledge"), ["on_time": 1, "late": 0, "late_unanswered": 0])
        XCTAssertEqual(cell(vn, "us", "deliver"), ["on_time": 1, "late": 0, "late_unanswered": 0])
    }

    /// Each article counts the requests submitted in the window under it (a request under two
    /// counts under both) and the outcomes of their deadlines; unclassified ones have their row.
    func testRequestsAndOutcomesAreCountedPerConventionArticle() throws {
        let now = t0 + .days(2)
        var tally = ComplianceTally(now: now, mine: de)
        // validRequestJSON: UN-13 and BUD-8. Delivered and acknowledged on time, preserve late and unanswered.
        tally.add(try record(at: t0, [(.delivered(by: "pocd.de"), .seconds(2)), (.acknowledged, .hours(1))]), policy: policy)
        var unclassified = try decode(editing("kind", to: "traffic-disclosure")).get()
        unclassified.offence?.conventionArticles = nil
        tally.add(CaseRecord(unclassified, submittedAt: t0 + .days(1)), policy: policy)
        let rows = try XCTUnwrap(tally.json["windows"]?[0]?["articles"]?.arrayValue)
        XCTAssertEqual(rows.count, ConventionArticle.allCases.count + 1)
        func row(_ code: String?) -> [String: Int] {
            let r = rows.first { $0["article"]?.stringValue == code }
            return ["incoming": r?["incoming"]?.intValue ?? -1, "outgoing": r?["outgoing"]?.intValue ?? -1,
                    "on_time": r?["deadlines_on_time"]?.intValue ?? -1, "late": r?["deadlines_late"]?.intValue ?? -1]
        }
        // Deliver and acknowledge on time, preserve late (unanswered): two on time, one late.
        XCTAssertEqual(row("UN-13"), ["incoming": 1, "outgoing": 0, "on_time": 2, "late": 1])
        XCTAssertEqual(row("BUD-8"), row("UN-13"))
        XCTAssertEqual(row("UN-7"), ["incoming": 0, "outgoing": 0, "on_time": 0, "late": 0])
        // The unclassified one: submitted a day ago, its delivery (15 min) late and unanswered.
        XCTAssertEqual(row(nil), ["incoming": 1, "outgoing": 0, "on_time": 0, "late": 1])
        XCTAssertEqual(rows.last?["title"], "Not classified")
        XCTAssertEqual(rows.first { $0["article"] == "UN-13" }?["on_time_rate"], .number(0.667))
    }

    func testWindowsCountByTheOutcomesTime() throws {
        let now = t0 + .days(40)
        var tally = ComplianceTally(now: now, mine: de)
        tally.add(try record(at: t0, [(.delivered(by: "pocd.de"), .seconds(2)), (.acknowledged, .minutes(10))]), policy: policy)
        XCTAssertEqual(cell(tally, days: 7, "us", "acknowledge")["on_time"], 0)
        XCTAssertEqual(cell(tally, days: 30, "us", "acknowledge")["on_time"], 0)
        XCTAssertEqual(cell(tally, days: 90, "us", "acknowledge")["on_time"], 1)
        let ack = tally.json["windows"]?[2]?["time_to_acknowledge"]?["us"]
        XCTAssertEqual(ack?["count"], 1)
        XCTAssertEqual(ack?["median_seconds"], 600)
        XCTAssertEqual(ack?["buckets"]?[1]?["count"], 1, "10 minutes is in the ≤15m bucket")
        XCTAssertEqual(ack?["buckets"]?.arrayValue?.count, ComplianceTally.bucketBounds.count + 1)
    }

    func testARiskNoticeAnswersThePreserveDeadlineAndProceedStartsANewOne() throws {
        let l = try record(at: t0, [(.delivered(by: "pocd.de"), .seconds(2)), (.riskNotified(reason: "the user would be told"), .hours(1)),
                                    (.proceeded, .hours(3)),
                                    (.preserved(providerReference: "P-2", partial: false, expiresAt: t0 + .days(70)), .hours(30))]).lifecycle
        let outcomes = ComplianceTally.outcomes(l, policy: policy[.urgent])
        let preserve = outcomes.filter { $0.kind == .preserve }
        XCTAssertEqual(preserve.map(\.dueAt), [t0 + .hours(24), t0 + .hours(27)])
        XCTAssertEqual(preserve.map(\.answeredAt), [t0 + .hours(1), t0 + .hours(30)])
        let risk = try XCTUnwrap(outcomes.first { $0.kind == .answerRisk })
        XCTAssertEqual(risk.answeredAt, t0 + .hours(3))
        XCTAssertEqual(risk.owedBy, .requesting)
        XCTAssertEqual(outcomes.first { $0.kind == .acknowledge }?.answeredAt, t0 + .hours(1), "a risk notice answers the acknowledgement")
    }
}
