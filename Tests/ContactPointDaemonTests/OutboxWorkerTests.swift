import ContactPointModel
import ContactPointStore
import Sealing
import Foundation
import HTTP1
import Logging
import TestSupport
import XCTest
@testable import ContactPointDaemon

/// The outbox worker on the injected clock and fixed randomness, against a real HTTPS
/// partner that answers what the test tells it: a retry is due exactly when the backoff
/// says, a refusal parks the message and escalates the deliver deadline, a supervisor's
/// retry sends it again. Time moves only when the test moves it.
final class OutboxWorkerTests: XCTestCase {
    let t0 = Instant(rfc3339: "2026-11-23T08:00:00Z")!
    var folder: TemporaryDirectory!
    var clock: ManualClock!
    var store: EventStore!
    var desk: Desk!
    var worker: OutboxWorker!
    var partner: HTTPServer!
    let answers = Answers()

    override func setUpWithError() throws {
        let pki = try TestPKI.shared(servers: ["pocd.us", "pocd.vn"], clients: ["officer.vn"])
        partner = try HTTPServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS("pocd.us")) { [answers] request, responder in
            responder.respond(HTTPResponse(status: answers.next(request.path)))
        }
        try partner.start()
        let directory = try Directory.load(yaml: """
            contact_points:
              VN: {name: VN, daemon: local, principals: [{identity: officer.vn, role: officer}]}
              US: {name: US, daemon: {url: "https://127.0.0.1:\(partner.port)", identity: pocd.us}, principals: [{identity: pocd.us, role: daemon}]}
            """, file: "directory.yaml")
        folder = try TemporaryDirectory(prefix: "outbox")
        clock = ManualClock(t0)
        store = try EventStore(directory: folder.path, clock: clock.clock)
        let settings = Settings(directory: directory, policy: .defaults)
        desk = Desk(store: store, settings: settings, vault: .ephemeral(), alerts: AlertHub(), metrics: Metrics(), selfIdentity: "pocd.vn",
                    log: Logger(label: "test"), automaticTimer: false, clock: clock.clock)
        let config = DaemonConfiguration(
            file: "pocd.yaml", contactPoints: [CountryCode("VN")!], host: "127.0.0.1", port: 0, tls: pki.serverTLS("pocd.vn"),
            dataDirectory: folder.path, directoryFile: "directory.yaml", policyFile: "policy.yaml", limits: HTTPLimits(),
            metricsIdentities: [], receivers: [])
        worker = try OutboxWorker(store: store, desk: desk, configuration: config, settings: settings, metrics: Metrics(),
                                  log: Logger(label: "test"), clock: clock.clock, randomness: .highest)
        desk.wire(outboxHooks: [], onDurable: nil)
        _ = try desk.replay()
    }

    override func tearDown() {
        worker?.stop()
        partner?.stopAccepting()
    }

    /// Submits a request to US; its message goes to the outbox, due at the clock's now.
    func submit() throws -> String {
        var request = try EvidenceRequest.decode(Array(E2ERequest.json.utf8), newID: { UUID().uuidString.lowercased() }).get()
        request.to = CountryCode("US")!
        let done = DispatchSemaphore(value: 0)
        let results = Results()
        desk.submit(request, by: Caller(identity: "officer.vn", principals: [Directory.Principal(identity: "officer.vn", role: .officer, contactPoint: CountryCode("VN")!)])) {
            results.add($0)
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(results.statuses, [201])
        return request.id
    }

    /// The one message in the outbox, once `condition` holds for it.
    func message(_ what: String, _ condition: (OutboxEntry) -> Bool) throws -> OutboxEntry {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let m = try store.outboxEntry(id: 1), condition(m) { return m }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTFail("not within 30 s: \(what); outbox: \(try store.outboxEntries(limit: 10))")
        throw Timeout(what: what)
    }

    func testARetryIsDueWhenTheBackoffSaysAndARefusalParksTheMessageAndEscalates() throws {
        answers.script([503, 429, 422])
        let id = try submit()
        worker.start()
        // 503: retried after the backoff's ceiling (randomness .highest): 1 s on the Desk's clock.
        var m = try message("the first attempt failed") { $0.attempts == 1 }
        XCTAssertEqual(m.state, "waiting")
        XCTAssertEqual(m.nextAttemptAt, t0 + .seconds(1))
        XCTAssertEqual(m.lastError?.hasPrefix("HTTP 503"), true, "\(m)")
        XCTAssertEqual(try store.dueOutbox(at: clock.now()).count, 0, "not due before its time")
        // 429 is "later", not "never": retried again, after 2 s.
        clock.advance(.seconds(1))
        worker.wake()
        m = try message("the second attempt failed") { $0.attempts == 2 }
        XCTAssertEqual(m.state, "waiting")
        XCTAssertEqual(m.nextAttemptAt, t0 + .seconds(3))
        // 422 is a refusal no retry will change: parked, off the line.
        clock.advance(.seconds(2))
        worker.wake()
        m = try message("the refusal parks it") { $0.state == "parked" }
        XCTAssertEqual(m.attempts, 3)
        XCTAssertEqual(m.parkedAt, t0 + .seconds(3))
        XCTAssertEqual(m.lastError?.hasPrefix("HTTP 422"), true)
        XCTAssertEqual(try store.outboxSummary().depth, 0)
        XCTAssertEqual(try store.outboxSummary().parked, 1)
        clock.advance(.hours(1))
        XCTAssertEqual(try store.dueOutbox(at: clock.now()).count, 0, "a parked message is never due")
        XCTAssertEqual(answers.count, 3)
        // The deliver deadline (15 min for urgent) escalates at once, with the refusal as cause.
        let escalation = try waitFor("the escalation of the refused delivery") {
            try store.history(of: id).last.flatMap { $0.event.type == "escalated" ? $0 : nil }
        }
        XCTAssertEqual(escalation.event.payload["deadline"], "deliver")
        XCTAssertEqual(escalation.event.payload["level"], 1)
        XCTAssertEqual(escalation.event.payload["cause"]?.stringValue?.contains("HTTP 422"), true, "\(escalation.event.payload)")
        // A supervisor sends it again; the partner takes it this time; the receipt is recorded.
        answers.script([201])
        let retried = try resolve(m.id, retry: true)
        XCTAssertEqual(retried.state, "waiting")
        XCTAssertEqual(retried.resolution?.hasPrefix("retried by supervisor.vn"), true)
        m = try message("delivered after the retry") { $0.state == "delivered" }
        _ = try waitFor("the receipt") { try store.history(of: id).last.flatMap { $0.event.type == "delivered" ? $0 : nil } }
        XCTAssertEqual(answers.count, 4)
    }

    func testAMessageThisDaemonCannotSendIsParkedAndItsLineGoesOn() throws {
        // A partner event without a request id has no route: parked at once, instead of being
        // retried for ever at the head of US's line with the request below waiting behind it.
        _ = try store.appendAndWait(WriteBatch(outbox: [OutboxMessage(destination: "US", kind: OutboundKind.partnerEvent,
                                                                      body: Array("{}".utf8), eventID: nil)])).get()
        let id = try submit()
        worker.start()
        let stuck = try message("parked as unsendable") { $0.state == "parked" }
        XCTAssertEqual(stuck.lastError?.hasPrefix("not sent: partner event without a request id"), true, "\(stuck)")
        XCTAssertEqual(stuck.attempts, 1)
        _ = try waitFor("the request delivered behind it") { try store.history(of: id).last.flatMap { $0.event.type == "delivered" ? $0 : nil } }
        XCTAssertEqual(answers.count, 1, "only the request reached the partner")
        XCTAssertEqual(try store.outboxSummary().parked, 1)
    }

    func testOnlyAParkedMessageCanBeDroppedAndADroppedOneIsNeverSent() throws {
        answers.script([400])
        _ = try submit()
        let waiting = try XCTUnwrap(store.outboxEntry(id: 1))
        XCTAssertThrowsError(try resolve(waiting.id, retry: false), "a waiting message is not parked")
        worker.start()
        let parked = try message("parked") { $0.state == "parked" }
        let dropped = try resolve(parked.id, retry: false)
        XCTAssertEqual(dropped.state, "dropped")
        XCTAssertTrue(dropped.resolution?.contains("no such partner case") ?? false, "\(dropped)")
        clock.advance(.days(1))
        worker.wake()
        XCTAssertEqual(try store.dueOutbox(at: clock.now()).count, 0)
        XCTAssertEqual(try store.outboxSummary().parked, 0)
        XCTAssertThrowsError(try resolve(parked.id, retry: true), "dropped is final")
    }

    func testTheBackoffDoublesToItsCeilingWithinTheJitter() {
        XCTAssertEqual(OutboxWorker.backoff(attempts: 0, randomness: .highest), 1_000)
        XCTAssertEqual(OutboxWorker.backoff(attempts: 0, randomness: .lowest), 500)
        XCTAssertEqual(OutboxWorker.backoff(attempts: 3, randomness: .highest), 8_000)
        XCTAssertEqual(OutboxWorker.backoff(attempts: 30, randomness: .highest), 300_000)
        let seeded = Randomness.seeded(7)
        for attempts in 0..<12 {
            let b = OutboxWorker.backoff(attempts: attempts, randomness: seeded)
            let ceiling = min(OutboxWorker.maximumBackoff, OutboxWorker.initialBackoff << attempts)
            XCTAssertTrue((ceiling / 2...ceiling).contains(b), "\(b) for \(attempts) attempts")
        }
    }

    func testFailuresAreClassifiedByWhatTheyMean() {
        XCTAssertEqual(DeliveryOutcome.classify(status: 201, detail: ""), .delivered)
        for retried in [408, 429, 500, 502, 503, 504, 302] {
            XCTAssertEqual(DeliveryOutcome.classify(status: retried, detail: "d"), .retry("d"), "\(retried)")
        }
        for refused in [400, 401, 403, 404, 409, 410, 413, 415, 422] {
            XCTAssertEqual(DeliveryOutcome.classify(status: refused, detail: "d"), .refused("d"), "\(refused)")
        }
        let refused = HTTPClientError.connect(address: "127.0.0.1:1", reason: "Connection refused")
        XCTAssertEqual(DeliveryOutcome(.failure(refused)), .retry(refused.description))
        XCTAssertEqual(DeliveryOutcome(.failure(.tls(reason: "certificate verify failed"))), .retry("TLS: certificate verify failed"))
    }

    // MARK: - Helpers

    func resolve(_ id: Int64, retry: Bool) throws -> OutboxEntry {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<OutboxEntry, Problem>?
        worker.resolve(id, retry: retry, by: "supervisor.vn", reason: "no such partner case; checked by phone") {
            result = $0
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        switch result {
        case .success(let entry): return entry
        case .failure(let p): throw p
        case nil: throw Timeout(what: "an answer")
        }
    }

    func waitFor<T>(_ what: String, _ body: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let value = try body() { return value }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTFail("not within 30 s: \(what)")
        throw Timeout(what: what)
    }
}

/// A condition that did not come true in time (the test has already failed).
struct Timeout: Error { var what: String }

/// What the fake partner answers, in order (201 once the script is used up), and how often it was asked.
final class Answers: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var statuses: [Int] = []
    private var asked = 0
    func script(_ s: [Int]) { lock.lock(); statuses = s; lock.unlock() }
    func next(_ path: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        asked += 1
        return statuses.isEmpty ? 201 : statuses.removeFirst()
    }
    var count: Int { lock.lock(); defer { lock.unlock() }; return asked }
}
