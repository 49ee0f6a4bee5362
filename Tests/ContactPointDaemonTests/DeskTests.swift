import ContactPointModel
import ContactPointStore
import Foundation
import Logging
import Sealing
import TestSupport
import XCTest
@testable import ContactPointDaemon

/// The Desk on a real store, with a manual clock and the timer fired by hand: days of
/// deadlines pass in milliseconds, and nothing sleeps.
final class DeskTests: XCTestCase {
    /// The master key, kept across the Desk's restarts in a test.
    let vault = Vault.ephemeral()
    let t0 = Instant(rfc3339: "2026-11-23T08:00:00Z")!
    var folder: TemporaryDirectory!
    var store: EventStore!
    var clock: ManualClock!
    var desk: Desk!
    var alerts: AlertHub!
    var directory: Directory!

    static let directoryYAML = """
        contact_points:
          VN: {name: VN, daemon: local, principals: [{identity: officer.vn, role: officer}, {identity: supervisor.vn, role: supervisor}]}
          DE: {name: DE, daemon: local, principals: [{identity: officer.de, role: officer}]}
          US: {name: US, daemon: {url: "https://127.0.0.1:1", identity: pocd.us}, principals: [{identity: pocd.us, role: daemon}, {identity: officer.us, role: officer}]}
        """

    override func setUpWithError() throws {
        directory = try Directory.load(yaml: Self.directoryYAML, file: "directory.yaml")
        folder = try TemporaryDirectory(prefix: "desk")
        clock = ManualClock(t0)
        store = try EventStore(directory: folder.path, clock: clock.clock)
        makeDesk()
    }

    func makeDesk() {
        alerts = AlertHub()
        desk = Desk(store: store, settings: Settings(directory: directory, policy: .defaults), vault: vault, alerts: alerts, metrics: Metrics(),
                    selfIdentity: "pocd.test", log: Logger(label: "test"), automaticTimer: false, clock: clock.clock)
    }

    func caller(_ identity: String) -> Caller { Caller(identity: identity, principals: directory.principals(for: identity)) }

    func wait(_ body: (@escaping @Sendable (DeskReply) -> Void) -> Void) -> DeskReply {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var reply: DeskReply?
        body { reply = $0; done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        return reply ?? .problem(Problem(status: 0, slug: "no-reply", title: .verbatim("No reply"), detail: .verbatim("the Desk did not answer within 30 s")))
    }

    func submit(priority: Priority = .urgent, to: String = "DE") throws -> String {
        var request = try EvidenceRequest.decode(Array(E2ERequest.json.utf8), newID: { UUID().uuidString.lowercased() }).get()
        request.id = UUID().uuidString.lowercased()
        request.priority = priority
        request.to = CountryCode(to)!
        guard wait({ desk.submit(request, by: caller("officer.vn"), reply: $0) }).status == 201 else {
            XCTFail("not created")
            return ""
        }
        return request.id
    }

    /// Moves the clock and fires what is due, as the timer would.
    func pass(_ d: PolicyDuration) {
        clock.advance(d)
        desk.queue.sync { desk.fireDue() }
        // Appends complete on the store's queue and land back on the Desk's.
        for _ in 0..<3 { desk.queue.sync {}; _ = store.appendAndWait(WriteBatch()); desk.queue.sync {} }
    }

    func history(_ id: String) throws -> [String] { try store.history(of: id).map(\.event.type) }

    func testEscalatesThroughDaysOfDeadlinesWithoutSleeping() throws {
        let id = try submit()
        pass(.hours(3))
        XCTAssertEqual(try history(id), ["submitted", "delivered"])
        pass(.hours(1))  // acknowledge due at 4h
        XCTAssertEqual(try history(id), ["submitted", "delivered", "escalated"])
        pass(.hours(4))  // level 2
        pass(.hours(4))  // level 3
        pass(.hours(13))  // 25h: preserve (24h) missed, level 1
        let escalations = try store.history(of: id).filter { $0.event.type == "escalated" }.map {
            "\($0.event.payload["deadline"]?.stringValue ?? "?"):\($0.event.payload["level"]?.intValue ?? -1)"
        }
        XCTAssertEqual(escalations, ["acknowledge:1", "acknowledge:2", "acknowledge:3", "preserve:1"])
        let listed = alerts.list(since: nil, limit: 10) { _ in true }
        XCTAssertEqual(listed.map(\.level), [1, 3, 2, 1])
        XCTAssertEqual(listed.first?.reason, .overdue(.preserve, level: 1))
    }

    /// The overdue count is kept as deadlines pass and are met, without scanning: the Desk
    /// wakes at each running deadline even when the ladder's first step is later.
    func testTheOverdueCountFollowsDeadlinesWithoutAScan() throws {
        var slow = DeadlinePolicy.defaults
        slow.priorities[.urgent]?.escalation = [EscalationStep(after: .hours(2), level: 1, notify: ["officer"])]
        desk.reload(Settings.Version(directory: directory, policy: slow))
        let id = try submit()
        func health() -> JSONValue {
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var value: JSONValue = .null
            desk.health { value = (try? JSONParser.parse($0.encoded(role: "leader", instance: "test"))) ?? .null; done.signal() }
            XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "the Desk answers /healthz")
            return value
        }
        XCTAssertEqual(health()["open"], 1)
        XCTAssertEqual(health()["overdue"], 0)
        pass(.hours(4))  // acknowledge due; no ladder step yet
        XCTAssertEqual(health()["overdue"], 1)
        XCTAssertEqual(try history(id).filter { $0 == "escalated" }.count, 0)
        _ = wait { desk.act(id, .acknowledge, by: caller("officer.de"), reply: $0) }
        XCTAssertEqual(health()["overdue"], 0, "met: the preserve deadline (24h) has not passed")
        pass(.hours(20))
        XCTAssertEqual(health()["overdue"], 1)
        _ = wait { desk.act(id, .reportNoData(reason: "none"), by: caller("officer.de"), reply: $0) }
        XCTAssertEqual(health()["open"], 0)
        XCTAssertEqual(health()["overdue"], 0)
    }

    func testPreservationRemindersExpiryAndTheMLAStop() throws {
        let a = try submit(), b = try submit()
        for id in [a, b] {
            _ = wait { desk.act(id, .acknowledge, by: caller("officer.de"), reply: $0) }
            _ = wait { desk.act(id, .preserve(providerReference: "P", partial: false, preservedUntil: nil), by: caller("officer.de"), reply: $0) }
        }
        _ = wait { desk.act(b, .linkMLA(reference: "MLA-1", sentAt: t0), by: caller("officer.vn"), reply: $0) }
        pass(.days(47))
        XCTAssertEqual(try history(a).suffix(1), ["reminded"])
        pass(.days(7))
        pass(.days(5))
        pass(.days(1))
        XCTAssertEqual(try history(a).filter { ["reminded", "expired"].contains($0) }, ["reminded", "reminded", "reminded", "expired"])
        XCTAssertEqual(try history(b).filter { ["reminded", "expired"].contains($0) }, [], "no expiry while the MLA request is pending")
        let kinds = alerts.list(since: nil, limit: 10) { $0.requestID == a }.map(\.reason)
        XCTAssertEqual(kinds, [.expired, .reminder(before: .hours(48)), .reminder(before: .days(7)), .reminder(before: .days(14)),
                               .counterpart(event: "preserved")], "DE's preservation was news for VN")
    }

    func testARebuiltDeskFiresMissedDeadlinesOnceAtTheLevelNowDue() throws {
        let id = try submit()
        pass(.hours(4))
        XCTAssertEqual(try history(id).filter { $0 == "escalated" }.count, 1)
        // "Restart": a new Desk replays the log, nine hours later.
        desk.stop()
        clock.advance(.hours(9))
        makeDesk()
        let replay = try desk.replay()
        XCTAssertEqual(replay.requests, 1)
        XCTAssertTrue(replay.fromProjection, "every event came with its snapshot")
        pass(.seconds(0))
        let levels = try store.history(of: id).filter { $0.event.type == "escalated" }.map { $0.event.payload["level"]?.intValue ?? -1 }
        XCTAssertEqual(levels, [1, 3], "level 2 passed while down; level 3 is due now; once each")
        makeDesk()
        _ = try desk.replay()
        pass(.seconds(0))
        XCTAssertEqual(try history(id).filter { $0 == "escalated" }.count, 2, "replaying again repeats nothing")
        XCTAssertEqual(alerts.list(since: nil, limit: 10) { _ in true }.map(\.level), [3, 1], "alerts rebuilt from the log")
    }

    /// The projection is derived data: folding the whole log gives exactly the same records.
    func testTheProjectionEqualsAFullReplayOfTheLog() throws {
        let a = try submit(), b = try submit(priority: .emergency), c = try submit(to: "US")
        _ = wait { desk.act(a, .acknowledge, by: caller("officer.de"), reply: $0) }
        _ = wait { desk.act(a, .preserve(providerReference: "P", partial: true, preservedUntil: nil), by: caller("officer.de"), reply: $0) }
        _ = wait { desk.act(c, .withdraw(reason: "r"), by: caller("officer.vn"), reply: $0) }
        pass(.hours(3))
        pass(.days(50))
        _ = b
        makeDesk()
        XCTAssertTrue(try desk.replay().fromProjection)
        let projected = desk.queue.sync { desk.cases.byID }
        makeDesk()
        let events = try desk.replayEvents()
        XCTAssertGreaterThan(events, 10)
        let replayed = desk.queue.sync { desk.cases.byID }
        XCTAssertEqual(projected, replayed)
        XCTAssertEqual(projected.count, 3)
    }

    func testAStaleProjectionIsRebuiltFromTheLog() throws {
        let a = try submit()
        // An append without a snapshot (as a tool might make) marks the projection stale.
        _ = store.appendAndWait(WriteBatch(events: [NewEvent(id: UUID().uuidString.lowercased(), requestID: a, sequence: 2,
                                                              type: "acknowledged", actor: "officer.de", at: clock.now(), payload: [:])]))
        XCTAssertFalse(try store.projectionIsCurrent())
        makeDesk()
        let replay = try desk.replay()
        XCTAssertEqual(replay.requests, 1)
        XCTAssertEqual(replay.events, 3)
        XCTAssertFalse(replay.fromProjection)
        XCTAssertEqual(desk.queue.sync { desk.cases[a]?.state }, .acknowledged)
        XCTAssertTrue(try store.projectionIsCurrent(), "rewritten after the replay")
        makeDesk()
        XCTAssertTrue(try desk.replay().fromProjection)
        XCTAssertEqual(desk.queue.sync { desk.cases[a]?.state }, .acknowledged)
    }

    /// An edit of the projection behind the daemon's back (the sqlite3 CLI) does not match the
    /// digest recorded with the last commit: the next start rebuilds it from the log, names
    /// the request, and shows the true state.
    func testAnEditedProjectionRowIsFoundAtStartAndRebuiltFromTheLog() throws {
        let a = try submit(), b = try submit()
        _ = wait { desk.act(a, .acknowledge, by: caller("officer.de"), reply: $0) }
        desk.stop()
        let edit = try Subprocess.run("sqlite3", [store.path, "UPDATE cases SET state = 'released' WHERE event_count >= 3"])
        XCTAssertEqual(edit.status, 0, edit.description)
        XCTAssertTrue(try store.projectionIsCurrent(), "the position alone cannot tell")
        makeDesk()
        let replay = try desk.replay()
        XCTAssertFalse(replay.fromProjection)
        XCTAssertTrue(replay.source.contains("disagreed"), replay.source)
        XCTAssertEqual(replay.disagreeing, [a])
        XCTAssertEqual(desk.queue.sync { desk.cases[a]?.state }, .acknowledged, "the log is the truth")
        XCTAssertEqual(desk.queue.sync { desk.cases[b]?.state }, .delivered)
        makeDesk()
        XCTAssertTrue(try desk.replay().fromProjection, "rewritten and sealed again")
        XCTAssertEqual(desk.queue.sync { desk.cases[a]?.state }, .acknowledged)
        // A deleted row is found the same way.
        desk.stop()
        XCTAssertEqual(try Subprocess.run("sqlite3", [store.path, "DELETE FROM cases WHERE event_count = 2"]).status, 0)
        makeDesk()
        let again = try desk.replay()
        XCTAssertFalse(again.fromProjection)
        XCTAssertEqual(again.disagreeing, [b])
        XCTAssertEqual(again.requests, 2)
    }

    func testARequestToAPartnerWaitsForItsReceiptAndGoesToTheOutbox() throws {
        let id = try submit(to: "US")
        XCTAssertEqual(try history(id), ["submitted"])
        // Due at once on the Desk's clock, whatever today's date.
        XCTAssertEqual(try store.dueOutbox(at: clock.now() - .seconds(1)).count, 0)
        let due = try store.dueOutbox(at: clock.now())
        XCTAssertEqual(due.map(\.message.kind), ["partner-request"])
        let message = try XCTUnwrap(due.first)
        XCTAssertEqual(message.message.destination, "US")
        XCTAssertEqual(message.createdAt, clock.now())
        pass(.minutes(15))  // urgent: deliver within 15m
        XCTAssertEqual(try history(id).last, "escalated")
        let done = DispatchSemaphore(value: 0)
        desk.recordReceipt(id, by: "pocd.us", outboxID: message.id) { ok in XCTAssertTrue(ok); done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(try history(id).last, "delivered")
        XCTAssertEqual(try store.outboxSummary().depth, 0)
    }

    func testCommandsOnOneRequestAreAnsweredInOrderAgainstDurableState() throws {
        let id = try submit()
        let group = DispatchGroup()
        let results = [Results(), Results(), Results()]
        for (i, action) in [ActionInput.acknowledge, .preserve(providerReference: "P", partial: false, preservedUntil: nil), .acknowledge].enumerated() {
            group.enter()
            desk.act(id, action, by: caller("officer.de")) { r in results[i].add(r); group.leave() }
        }
        group.wait()
        XCTAssertEqual(results.flatMap(\.statuses), [200, 200, 409], "the second acknowledge sees the preserved state")
        XCTAssertEqual(try history(id), ["submitted", "delivered", "acknowledged", "preserved"])
    }

    // MARK: - Retention (docs/privacy.md §4)

    /// The content is erased exactly `retention.after_end` after the request ended, not a
    /// second before, by destroying its data keys; the metadata and the history stay.
    func testRetentionErasesTheContentAtTheEndOfItsPeriodAndNotBefore() throws {
        var policy = DeadlinePolicy.defaults
        policy.retentionAfterEnd = .days(30)
        desk.reload(Settings.Version(directory: directory, policy: policy))
        let id = try submit()
        _ = wait { desk.act(id, .reportNoData(reason: "the account never existed"), by: caller("officer.de"), reply: $0) }
        XCTAssertEqual(try store.sealedHistory(of: id).keys.count, 2, "the request's key and the reason's")
        pass(.seconds(30 * 86_400 - 1))
        XCTAssertEqual(try history(id), ["submitted", "delivered", "no-data-reported"], "a second before: kept")
        XCTAssertEqual(desk.queue.sync { desk.cases[id]?.contentErasedAt }, nil)
        pass(.seconds(1))
        XCTAssertEqual(try history(id), ["submitted", "delivered", "no-data-reported", "content-erased"])
        XCTAssertEqual(try store.sealedHistory(of: id).keys.count, 0, "the data keys are destroyed")
        XCTAssertEqual(desk.queue.sync { desk.cases[id]?.contentErasedAt }, t0 + .days(30))
        let erased = try XCTUnwrap(store.history(of: id).last)
        XCTAssertEqual(erased.event.payload["why"], "retention")
        XCTAssertEqual(erased.event.actor, "pocd.test")
        pass(.days(400))
        XCTAssertEqual(try history(id).filter { $0 == "content-erased" }.count, 1, "once")
        // A restart from the projection keeps it erased, and schedules nothing more for it.
        desk.stop()
        makeDesk()
        desk.reload(Settings.Version(directory: directory, policy: policy))
        XCTAssertTrue(try desk.replay().fromProjection)
        XCTAssertEqual(desk.queue.sync { desk.cases[id]?.contentErasedAt }, t0 + .days(30))
        XCTAssertEqual(desk.queue.sync { desk.deadlines.count }, 0, "nothing more is scheduled for it")
        XCTAssertTrue(try store.verifyProjection().agrees)
    }

    /// Content that arrives after an erasure on order (the request was still open) is sealed
    /// under a key that is never stored: the erasure covers it too.
    func testContentAfterAnErasureIsSealedUnderAKeyThatIsNeverKept() throws {
        let id = try submit()
        let erasure = wait({ desk.erase(id, reason: "order 7", by: caller("supervisor.vn"), reply: $0) })
        guard erasure.status == 200, let erased = erasure.json else {
            return XCTFail("erased")
        }
        XCTAssertNotNil(erased["content_erased"])
        XCTAssertEqual(try store.sealedHistory(of: id).keys.count, 0)
        let refused = wait({ desk.act(id, .refuse(ground: .sovereignty, reason: "names minister X"), by: caller("officer.de"), reply: $0) })
        guard refused.status == 200, let view = refused.json else { return XCTFail("refused") }
        XCTAssertEqual(view["state"], "refused")
        XCTAssertEqual(try store.sealedHistory(of: id).keys.count, 0, "no key stored for the reason")
        XCTAssertFalse(String(decoding: view.serialized(), as: UTF8.self).contains("minister X"), "\(view)")
        let refusal = try XCTUnwrap(store.history(of: id).first { $0.event.type == "refused" })
        XCTAssertEqual(refusal.event.payload["ground"], "sovereignty", "the clear part stays")
        XCTAssertNotNil(refusal.event.payload["sealed"])
        guard case .problem(let again) = wait({ desk.erase(id, reason: "again", by: caller("supervisor.vn"), reply: $0) }) else {
            return XCTFail("a second erasure is refused")
        }
        XCTAssertEqual(again.status, 409)
        guard case .problem(let officer) = wait({ desk.erase(id, reason: "x", by: caller("officer.vn"), reply: $0) }) else {
            return XCTFail("an officer may not erase")
        }
        XCTAssertEqual(officer.status, 403)
    }
}

final class Results: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var items: [DeskReply] = []
    func add(_ r: DeskReply) { lock.lock(); items.append(r); lock.unlock() }
    var statuses: [Int] {
        lock.lock(); defer { lock.unlock() }
        return items.map { if let s = $0.status { return s } else if case .problem(let p) = $0 { return p.status } else { return 0 } }
    }
}

enum E2ERequest {
    static let json = #"{"reference":"VN-1","from":"VN","to":"DE","kind":"preservation","priority":"urgent","authority":{"name":"A"},"offence":{"description":"fraud","summary":"facts","convention_articles":["UN-7"]},"data":[{"description":"d","relation_to_offence":"r"}],"custodian":{"name":"C"},"necessity":"n","mla_intended":true}"#
}
