import XCTest
@testable import ContactPointModel

/// Drives one request through days of deadlines with a manual clock: no test sleeps.
final class CaseRecordTests: XCTestCase {
    let policy = DeadlinePolicy.defaults  // urgent: ack 4h, preserve 24h; ladder 0s, 4h, 8h

    func newRecord() throws -> CaseRecord {
        let request = try decode(validRequestJSON).get()
        var record = CaseRecord(request, submittedAt: t0)
        try record.apply(.delivered(by: "pocd.de"), at: t0 + .seconds(2))
        return record
    }

    /// Applies every due event at `now`, as the Desk does when its timer fires.
    @discardableResult
    func fire(_ record: inout CaseRecord, at now: Instant) throws -> [CaseEvent] {
        let events = record.dueEvents(at: now, policy: policy)
        for e in events { try record.apply(e, at: now) }
        return events
    }

    func testTheLadderClimbsOneStepAtATimeAndNeverRepeats() throws {
        var r = try newRecord()
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .hours(4))
        XCTAssertEqual(try fire(&r, at: t0 + .hours(3)), [])
        XCTAssertTrue(r.overdue(at: t0 + .hours(3), policy: policy).isEmpty)

        let first = try fire(&r, at: t0 + .hours(4))
        XCTAssertEqual(first, [.escalated(Escalation(deadline: .acknowledge, dueAt: t0 + .hours(4), level: 1, notify: ["officer"], lateBy: .zero))])
        XCTAssertEqual(try fire(&r, at: t0 + .hours(4)), [], "firing twice at the same moment adds nothing")
        XCTAssertEqual(r.escalationLevel(policy: policy), 1)
        XCTAssertEqual(r.overdue(at: t0 + .hours(4), policy: policy).map(\.kind), [.acknowledge])
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .hours(8))

        let second = try fire(&r, at: t0 + .hours(8) + .seconds(3))
        XCTAssertEqual(second, [.escalated(Escalation(deadline: .acknowledge, dueAt: t0 + .hours(4), level: 2,
                                                      notify: ["supervisor", "partner"], lateBy: .seconds(4 * 3600 + 3)))])
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .hours(12))
    }

    func testAfterDowntimeOnlyTheLevelNowDueFiresOnce() throws {
        var r = try newRecord()
        // The daemon was down from t0 until 30 hours later: ack (4h) and preserve (24h) both missed.
        let events = try fire(&r, at: t0 + .hours(30))
        XCTAssertEqual(events, [.escalated(Escalation(deadline: .acknowledge, dueAt: t0 + .hours(4), level: 3,
                                                      notify: ["head_of_unit"], lateBy: .hours(26))),
                                .escalated(Escalation(deadline: .preserve, dueAt: t0 + .hours(24), level: 2,
                                                      notify: ["supervisor", "partner"], lateBy: .hours(6)))])
        XCTAssertEqual(try fire(&r, at: t0 + .hours(30)), [])
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .hours(32), "the preserve ladder's last step")
    }

    func testMeetingTheDeadlineStopsItsLadder() throws {
        var r = try newRecord()
        try fire(&r, at: t0 + .hours(5))
        try r.apply(.acknowledged, at: t0 + .hours(5))
        XCTAssertEqual(r.escalationLevel(policy: policy), 0)
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .hours(24), "only the preserve deadline remains")
        try r.apply(.preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(60)), at: t0 + .hours(6))
        XCTAssertTrue(r.overdue(at: t0 + .days(2), policy: policy).isEmpty)
    }

    func testRemindersBeforeExpiryThenExpiry() throws {
        var r = try newRecord()
        try r.apply(.preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(60)), at: t0)
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .days(46))
        XCTAssertEqual(try fire(&r, at: t0 + .days(46)), [.reminded(expiresAt: t0 + .days(60), before: .days(14))])
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .days(53))
        // Down from day 47 to day 59: the 7-day and 48-hour reminders both passed; only the latest is sent.
        XCTAssertEqual(try fire(&r, at: t0 + .days(59)), [.reminded(expiresAt: t0 + .days(60), before: .hours(48))])
        XCTAssertEqual(try fire(&r, at: t0 + .days(59)), [])
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .days(60))
        XCTAssertEqual(try fire(&r, at: t0 + .days(60)), [.expired(expiresAt: t0 + .days(60))])
        XCTAssertEqual(r.state, .expired)
        XCTAssertNil(r.nextFiring(policy: policy))
    }

    /// `wake(at:)` in one pass is what the Desk computed with two: the earliest of `nextFiring`
    /// and the escalating deadlines still ahead, and whether one is already missed.
    func testWakeInOnePassIsNextFiringAndTheDeadlinesAhead() throws {
        func composed(_ r: CaseRecord, _ now: Instant) -> (Instant?, Bool) {
            guard !r.state.isFinal else { return (r.erasureDue(policy: policy), false) }
            var wake = r.nextFiring(policy: policy)
            var overdue = false
            for d in r.deadlines(policy: policy) where d.kind.escalates {
                if d.dueAt <= now { overdue = true } else if wake.map({ d.dueAt < $0 }) ?? true { wake = d.dueAt }
            }
            return (wake, overdue)
        }
        var r = try newRecord()
        var checked = 0
        func check(_ label: String) {
            for offset: PolicyDuration in [.seconds(0), .hours(1), .hours(5), .hours(9), .days(2), .days(50), .days(61)] {
                let now = t0 + offset
                let one = r.wake(at: now, policy: policy)
                let two = composed(r, now)
                XCTAssertEqual(one.wake, two.0, "\(label) at +\(offset)")
                XCTAssertEqual(one.overdue, two.1, "\(label) at +\(offset)")
                checked += 1
            }
        }
        check("delivered")
        try fire(&r, at: t0 + .hours(5))  // the acknowledgement's ladder climbs
        check("escalated")
        try r.apply(.acknowledged, at: t0 + .hours(6))
        check("acknowledged")
        try r.apply(.preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(60)), at: t0 + .hours(7))
        check("preserved")
        try fire(&r, at: t0 + .days(46))
        check("reminded")
        try fire(&r, at: t0 + .days(60))
        check("expired")
        XCTAssertEqual(checked, 42)
    }

    func testAnExtensionRearmsTheReminders() throws {
        var r = try newRecord()
        try r.apply(.preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(60)), at: t0)
        try fire(&r, at: t0 + .days(46))
        try r.apply(.extended(expiresAt: t0 + .days(90), previous: t0 + .days(60)), at: t0 + .days(47))
        XCTAssertEqual(r.nextFiring(policy: policy), t0 + .days(76))
        XCTAssertEqual(try fire(&r, at: t0 + .days(76)), [.reminded(expiresAt: t0 + .days(90), before: .days(14))])
    }

    func testAnMLARequestKeepsThePreservationWithoutExpiry() throws {
        var r = try newRecord()
        try r.apply(.preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(60)), at: t0)
        try r.apply(.mlaLinked(reference: "MLA", sentAt: t0), at: t0 + .days(1))
        XCTAssertNil(r.nextFiring(policy: policy))
        XCTAssertEqual(try fire(&r, at: t0 + .days(400)), [])
        XCTAssertEqual(r.state, .mlaPending)
    }

    func testAPolicyReloadReschedulesFromRecordedTimes() throws {
        let r = try newRecord()
        var faster = policy
        faster.priorities[.urgent]?.acknowledgeWithin = .hours(1)
        XCTAssertEqual(r.nextFiring(policy: faster), t0 + .hours(1))
    }

    /// A row's state, kind and priority are read through a table of raw values: every case
    /// comes back as itself, anything else as nil.
    func testEveryRawValueOfARowIsReadBackAsItsCase() {
        for c in RequestState.allCases { XCTAssertEqual(RequestState.matching(c.rawValue), c) }
        for c in RequestKind.allCases { XCTAssertEqual(RequestKind.matching(c.rawValue), c) }
        for c in Priority.allCases { XCTAssertEqual(Priority.matching(c.rawValue), c) }
        for bad in ["", "Delivered", "delivered ", "mla_pending", "a-rather-longer-text-than-any-state"] {
            XCTAssertNil(RequestState.matching(bad), bad)
        }
        XCTAssertNil(RequestKind.matching("preservation\u{0}"))
        XCTAssertNil(Priority.matching("URGENT"))
    }

    /// The projection digest hashes this layout (docs/audit.md, ProjectionDigest): written out
    /// here by hand, field by field, so a faster encoder cannot change a stored digest.
    func testTheSnapshotsCanonicalBytesKeepTheirLayout() {
        func be(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
        func text(_ s: String) -> [UInt8] { withUnsafeBytes(of: UInt32(s.utf8.count).bigEndian) { Array($0) } + Array(s.utf8) }
        var snapshot = CaseRecord.Snapshot(
            id: RequestID(high: 0x0102_0304_0506_0708, low: 0xF0E0_D0C0_B0A0_9080), reference: "VN-Ä-1", from: 0x5645, to: 0x4445,
            kind: "preservation", priority: "urgent", state: "preserved", eventCount: 7,
            times: [1, -2, Int64.min, 4, 5, 6, 7, 8, 9, 10], levels: [0, 1, 2, 3], reminderExpires: Int64.min, reminderBefore: 172_800)
        var expected = be(0x0102_0304_0506_0708) + be(Int64(bitPattern: 0xF0E0_D0C0_B0A0_9080)) + text("VN-Ä-1") + [0x56, 0x45, 0x44, 0x45]
        expected += text("preservation") + text("urgent") + text("preserved") + be(7) + be(10)
        expected += [1, -2, Int64.min, 4, 5, 6, 7, 8, 9, 10].flatMap(be) + be(4) + [0, 1, 2, 3].flatMap(be) + be(Int64.min) + be(172_800)
        XCTAssertEqual(snapshot.canonicalBytes, expected)
        snapshot.erasedAt = 1_800_000_000_000
        XCTAssertEqual(snapshot.canonicalBytes, expected + be(1_800_000_000_000), "an erasure time is appended, and only then")
        snapshot.articles = 0b101
        XCTAssertEqual(snapshot.canonicalBytes, expected + be(1_800_000_000_000) + be(0b101), "articles come after the erasure time")
        snapshot.erasedAt = Int64.min
        XCTAssertEqual(snapshot.canonicalBytes, expected + be(Int64.min) + be(0b101),
                       "with articles, an unset erasure time is written, so the three layouts differ in length")
    }
}

final class CaseRecordSizeTests: XCTestCase {
    /// A million records are held in memory (docs/performance.md, section (c)): each byte here is a megabyte there.
    func testARecordStaysAt160Bytes() throws {
        XCTAssertLessThanOrEqual(MemoryLayout<CaseRecord>.stride, 160)
        // The optional parts kept as raw integers read back as they were set.
        var record = CaseRecord(try decode(validRequestJSON).get(), submittedAt: t0)
        XCTAssertNil(record.lastReminder)
        XCTAssertNil(record.contentErasedAt)
        XCTAssertEqual(record.eventCount, 1)
        record.lastReminder = .init(expiresAt: t0 + .days(90), before: .days(7))
        record.contentErasedAt = t0 + .days(1)
        record.eventCount = 42
        XCTAssertEqual(record.lastReminder, .init(expiresAt: t0 + .days(90), before: .days(7)))
        XCTAssertEqual(record.contentErasedAt, t0 + .days(1))
        XCTAssertEqual(record.eventCount, 42)
        XCTAssertEqual(CaseRecord(snapshot: record.snapshot), record)
        record.lastReminder = nil
        record.contentErasedAt = nil
        XCTAssertNil(record.lastReminder)
        XCTAssertNil(record.contentErasedAt)
        XCTAssertEqual(CaseRecord(snapshot: record.snapshot), record)
    }
}
