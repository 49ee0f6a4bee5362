import XCTest
import ContactPointModel
@testable import ContactPointStore

final class EventStoreTests: StoreTestCase {
    func testAppendsAreChainedAndReadBackInOrder() throws {
        let store = try EventStore(directory: dir, clock: .system)
        let stored = try append(store, [event("r1", 0), event("r1", 1)]) + append(store, [event("r2", 0)])
        XCTAssertEqual(stored.map(\.position), [1, 2, 3])
        guard stored.count == 3 else { return XCTFail("expected three stored events, got \(stored.count)") }
        XCTAssertEqual(stored[0].previousHash, HashChain.genesis)
        XCTAssertEqual(stored[1].previousHash, stored[0].hash)
        XCTAssertEqual(stored[2].previousHash, stored[1].hash)
        XCTAssertEqual(stored[0].hash, HashChain.hash(previous: HashChain.genesis, envelope: stored[0].event.canonicalEnvelope))
        let history = try store.history(of: "r1")
        XCTAssertEqual(history.map(\.event), [stored[0].event, stored[1].event])
        XCTAssertEqual(history.first?.event.at.rfc3339, "2026-11-23T08:00:00.250Z")
        XCTAssertTrue(try store.verifyChain().isIntact)
        XCTAssertEqual(try store.eventCount(), 3)
    }

    /// `write(to:)` gives what `json.serialized()` gives: history is written without a tree per event.
    func testAnEventWrittenStraightToBytesIsItsJSON() {
        let payloads: [JSONValue] = [[:], ["note": "a \"quoted\"\nline é", "level": 3, "list": [true, nil, .number(1.5)]], ["nested": ["k": "v"]]]
        for (i, payload) in payloads.enumerated() {
            let event = NewEvent(id: UUID().uuidString.lowercased(), requestID: "r1", sequence: i * 7, type: "escalated",
                                 actor: "officer.de.bob", at: Instant(rfc3339: "2026-11-23T08:00:00.250Z")!, payload: payload)
            let stored = StoredEvent(position: Int64(i + 1), event: event, previousHash: HashChain.genesis,
                                     hash: HashChain.hash(previous: HashChain.genesis, envelope: event.canonicalEnvelope))
            var w = JSONWriter()
            stored.write(to: &w)
            XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), stored.json.serializedString())
        }
    }

    func testTheHashIsSHA256OverThePreviousHashAndTheCanonicalEnvelope() {
        // Pinned so that a change to the chain rule is a deliberate, visible one.
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let e = NewEvent(id: "e1", requestID: "r1", sequence: 0, type: "acknowledged", actor: "a",
                         at: Instant(millisecondsSince1970: 0), payload: [:])
        XCTAssertEqual(String(decoding: e.canonicalEnvelope, as: UTF8.self),
                       #"{"actor":"a","at":"1970-01-01T00:00:00Z","id":"e1","payload":{},"request_id":"r1","sequence":0,"type":"acknowledged"}"#)
        let generic: JSONValue = ["id": "e1", "request_id": "r1", "sequence": 0, "type": "acknowledged", "actor": "a",
                                  "at": "1970-01-01T00:00:00Z", "payload": [:]]
        XCTAssertEqual(e.canonicalEnvelope, generic.canonicalBytes(), "the hand-built envelope is the canonical form")
        var odd = e
        odd.actor = "quote \" and é"
        odd.payload = ["z": 1, "a": ["b": "\n"]]
        XCTAssertEqual(odd.canonicalEnvelope, (["id": "e1", "request_id": "r1", "sequence": 0, "type": "acknowledged",
                                                "actor": .string(odd.actor), "at": "1970-01-01T00:00:00Z", "payload": odd.payload] as JSONValue).canonicalBytes())
        XCTAssertEqual(HashChain.hash(previous: HashChain.genesis, envelope: e.canonicalEnvelope),
                       SHA256.hex(Array((HashChain.genesis + String(decoding: e.canonicalEnvelope, as: UTF8.self)).utf8)))
    }

    func testReopeningContinuesTheChain() throws {
        var store: EventStore? = try EventStore(directory: dir, clock: .system)
        let first = try append(store!, [event("r1", 0)])
        store!.close()
        store = nil
        let reopened = try EventStore(directory: dir, clock: .system)
        let second = try append(reopened, [event("r1", 1)])
        XCTAssertEqual(second.map(\.position), [2])
        XCTAssertEqual(second.map(\.previousHash), first.map(\.hash))
        XCTAssertTrue(try reopened.verifyChain().isIntact)
    }

    func testTheSameEventIDIsStoredOnce() throws {
        let store = try EventStore(directory: dir, clock: .system)
        let e = event("r1", 0)
        try append(store, [e])
        guard case .duplicate(let id) = try store.appendAndWait(WriteBatch(events: [e])).get() else { return XCTFail() }
        XCTAssertEqual(id, e.id)
        XCTAssertEqual(try store.eventCount(), 1)
        XCTAssertTrue(try store.contains(eventID: e.id))
    }

    func testTheLogIsAppendOnlyEvenFromTheSQLiteCLI() throws {
        let store = try EventStore(directory: dir, clock: .system)
        try append(store, [event("r1", 0)])
        let update = try sqlite(store.path, "UPDATE events SET actor = 'x'")
        XCTAssertNotEqual(update.status, 0)
        XCTAssertTrue(update.output.contains("append-only"), update.output)
        XCTAssertNotEqual(try sqlite(store.path, "DELETE FROM events").status, 0)
    }

    /// Batches queued while the writer is busy commit together, in one transaction.
    func testBatchesArrivingDuringACommitAreGroupedIntoOne() throws {
        let store = try EventStore(directory: dir, clock: .system)
        try append(store, [event("warm-up", 0)])
        let before = store.statistics
        let gate = DispatchSemaphore(value: 0)
        store.writerQueue.async { gate.wait() }  // stands in for an fsync in flight
        let done = DispatchGroup()
        let results = ResultBox()
        for i in 0..<10 {
            done.enter()
            store.append(WriteBatch(events: [event("r\(i)", 0)])) { r in
                results.add(r)
                done.leave()
            }
        }
        XCTAssertEqual(results.count, 0, "nobody hears 'durable' before the commit")
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        let after = store.statistics
        XCTAssertEqual(after.commits - before.commits, 1, "ten batches, one commit")
        XCTAssertEqual(after.batches - before.batches, 10)
        XCTAssertEqual(results.count, 10)
        XCTAssertTrue(results.allStored)
        XCTAssertTrue(try store.verifyChain().isIntact)
    }

    /// One batch that conflicts fails alone; the others in its group are durable.
    func testAFailingBatchDoesNotFailItsGroup() throws {
        let store = try EventStore(directory: dir, clock: .system)
        try append(store, [event("r1", 0)])
        let gate = DispatchSemaphore(value: 0)
        store.writerQueue.async { gate.wait() }
        let done = DispatchGroup()
        let good1 = ResultBox(), bad = ResultBox(), good2 = ResultBox()
        for (box, e) in [(good1, event("a", 0)), (bad, event("r1", 0)), (good2, event("b", 0))] {
            done.enter()
            store.append(WriteBatch(events: [e])) { box.add($0); done.leave() }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertTrue(good1.allStored)
        XCTAssertTrue(good2.allStored)
        XCTAssertFalse(bad.allStored)
        XCTAssertTrue(bad.errors.first?.contains("conflicts with the log") ?? false, "\(bad.errors)")
        XCTAssertEqual(try store.history(of: "b").first?.position, 3, "no gap where the failed batch was")
        XCTAssertTrue(try store.verifyChain().isIntact)
    }

    func testOutboxMessagesCommitWithTheirEventAndTrackDelivery() throws {
        let store = try EventStore(directory: dir, clock: .system)
        let e = event("r1", 0)
        try append(store, [e], outbox: [OutboxMessage(destination: "DE", kind: "partner-event", body: Array("{}".utf8), eventID: e.id)])
        var due = try store.dueOutbox(at: .now() + .seconds(1))
        XCTAssertEqual(due.map(\.message.eventID), [e.id])
        XCTAssertEqual(try store.outboxSummary().depth, 1)
        let retryAt = Instant.now() + .minutes(5)
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.failed(id: try XCTUnwrap(due.first).id, error: "connection refused", retryAt: retryAt)])).get()
        XCTAssertEqual(try store.dueOutbox(at: .now()).count, 0)
        due = try store.dueOutbox(at: retryAt)
        XCTAssertEqual(due.first?.attempts, 1)
        XCTAssertEqual(due.first?.lastError, "connection refused")
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.delivered(id: try XCTUnwrap(due.first).id, at: .now())])).get()
        XCTAssertEqual(try store.outboxSummary().depth, 0)
    }

    func testTheOutboxSummaryFollowsEveryCommitThatTouchesTheOutbox() throws {
        let store = try EventStore(directory: dir, clock: .system)
        XCTAssertEqual(try store.outboxSummary().depth, 0)
        let first = event("r1", 0)
        try append(store, [first], outbox: [OutboxMessage(destination: "DE", kind: "partner-event", body: Array("{}".utf8), eventID: first.id)])
        let one = try store.outboxSummary()
        XCTAssertEqual(one.depth, 1)
        XCTAssertEqual(try store.outboxSummary().oldest, one.oldest, "asked again without a commit between")
        try append(store, [event("r2", 0)])
        XCTAssertEqual(try store.outboxSummary().depth, 1, "a commit without outbox work leaves it as it was")
        let second = event("r3", 0)
        try append(store, [second], outbox: [OutboxMessage(destination: "FR", kind: "partner-event", body: Array("{}".utf8), eventID: second.id)])
        XCTAssertEqual(try store.outboxSummary().depth, 2)
        XCTAssertEqual(try store.outboxSummary().oldest, one.oldest, "the oldest is still the first message")
        let firstID = try XCTUnwrap(store.dueOutbox(at: .now() + .seconds(1)).first { $0.message.eventID == first.id }).id
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.parked(id: firstID, error: "refused", at: .now())])).get()
        let parked = try store.outboxSummary()
        XCTAssertEqual(parked.depth, 1)
        XCTAssertEqual(parked.parked, 1)
    }

    func testALaterMessageNeverOvertakesOneThatIsBackingOffToTheSamePartner() throws {
        let store = try EventStore(directory: dir, clock: .system)
        let (a, b, c) = (event("r1", 0), event("r1", 1), event("r2", 0))
        try append(store, [a, b], outbox: [
            OutboxMessage(destination: "DE", kind: "partner-event", body: Array("{}".utf8), eventID: a.id),
            OutboxMessage(destination: "DE", kind: "partner-event", body: Array("{}".utf8), eventID: b.id)])
        try append(store, [c], outbox: [OutboxMessage(destination: "FR", kind: "partner-event", body: Array("{}".utf8), eventID: c.id)])
        let now = Instant.now()
        XCTAssertEqual(try store.dueOutbox(at: now + .seconds(1)).map(\.message.eventID), [a.id, c.id], "one head per destination")
        let head = try XCTUnwrap(store.dueOutbox(at: now + .seconds(1)).first)
        let retryAt = now + .minutes(5)
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.failed(id: head.id, error: "connection refused", retryAt: retryAt)])).get()
        XCTAssertEqual(try store.dueOutbox(at: now + .seconds(1)).map(\.message.eventID), [c.id],
                       "DE's second message waits behind the first, which is backing off")
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.delivered(id: try XCTUnwrap(store.dueOutbox(at: now + .seconds(1)).first).id, at: now)])).get()
        XCTAssertEqual(try store.earliestOutboxAttempt(), Instant(millisecondsSince1970: retryAt.millisecondsSince1970),
                       "the next wake-up is the head's retry, not the second message's earlier time")
        XCTAssertEqual(try store.dueOutbox(at: retryAt).map(\.message.eventID), [a.id])
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.delivered(id: head.id, at: retryAt)])).get()
        XCTAssertEqual(try store.dueOutbox(at: retryAt).map(\.message.eventID), [b.id], "then the second, in order")
    }

    func testAnUnwritableDataDirectoryIsAOneLineError() {
        XCTAssertThrowsError(try EventStore(directory: "/proc/contactpoint", clock: .system)) { error in
            XCTAssertTrue("\(error)".contains("/proc/contactpoint"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}

/// Collects completion results from the writer queue.
final class ResultBox: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var results: [Result<AppendOutcome, StoreError>] = []
    func add(_ r: Result<AppendOutcome, StoreError>) { lock.lock(); results.append(r); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return results.count }
    var allStored: Bool {
        lock.lock(); defer { lock.unlock() }
        return !results.isEmpty && results.allSatisfy { if case .success(.stored) = $0 { return true } else { return false } }
    }
    var errors: [String] {
        lock.lock(); defer { lock.unlock() }
        return results.compactMap { if case .failure(let e) = $0 { return e.message } else { return nil } }
    }
}
