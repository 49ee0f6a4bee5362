import AuditLog
import ContactPointModel
import Sealing
import TestSupport
import XCTest
@testable import ContactPointStore

/// The store on a real PostgreSQL 15 (a throwaway cluster per test class): the same log as
/// on SQLite, byte for byte; two stores on one database keep one order, one chain and one
/// tree; a lost session or a restarted server fails the append in flight and nothing else.
final class PostgreSQLStoreTests: StoreTestCase {
    nonisolated(unsafe) static var cluster: PostgresCluster?
    var cluster: PostgresCluster!
    var settings: PostgreSQLSettings!

    override class func tearDown() {
        cluster?.stop()
        cluster = nil
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard PostgresCluster.isAvailable else { throw XCTSkip("no PostgreSQL server here (Debian's postgresql)") }
        if Self.cluster == nil { Self.cluster = try PostgresCluster(name: "store") }
        cluster = Self.cluster
        // A database per test, so each starts empty.
        let db = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try cluster.psql("CREATE DATABASE \(db)", database: "postgres")
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        settings = PostgreSQLSettings(url: "postgresql://\(cluster.user)@127.0.0.1:\(cluster.port)/\(db)?sslmode=disable", password: password)
    }

    func open() throws -> EventStore { try EventStore(postgresql: settings, clock: .system) }

    func testTheLogIsTheSameAsOnSQLiteByteForByte() throws {
        let pg = try open()
        let lite = try EventStore(directory: dir, clock: .system)
        var all: [NewEvent] = []
        for i in 0..<40 {
            let e = event("r\(i % 3)", i / 3, note: "event \(i) é \u{1F600} \"quoted\" \\ back")
            all.append(e)
        }
        for chunk in stride(from: 0, to: all.count, by: 7).map({ Array(all[$0..<min($0 + 7, all.count)]) }) {
            let a = try append(pg, chunk), b = try append(lite, chunk)
            XCTAssertEqual(a.map(\.hash), b.map(\.hash))
        }
        XCTAssertEqual(try pg.treeHead().size, 40)
        XCTAssertEqual(try pg.treeHead().root, try lite.treeHead().root)
        XCTAssertEqual(try pg.inclusionProof(index: 17, size: 33), try lite.inclusionProof(index: 17, size: 33))
        XCTAssertEqual(try pg.consistencyProof(from: 16, to: 40), try lite.consistencyProof(from: 16, to: 40))
        XCTAssertEqual(try pg.history(of: "r1").map(\.event), try lite.history(of: "r1").map(\.event))
        XCTAssertTrue(try pg.verifyChain().isIntact)
        let tree = try pg.verifyTree(logKey: nil)
        XCTAssertNil(tree.problem, "\(tree)")
        XCTAssertEqual(tree.leaves, 40)
        XCTAssertEqual(try pg.schemaVersions().found, EventStore.schemaVersion)
        XCTAssertEqual(pg.backend, "postgresql")
    }

    func testTheLogIsAppendOnlyEvenFromPsql() throws {
        let store = try open()
        try append(store, [event("r1", 0)])
        let db = String(settings.url.split(separator: "/").last!.split(separator: "?").first!)
        for sql in ["UPDATE events SET actor = 'x'", "DELETE FROM events", "TRUNCATE events"] {
            XCTAssertThrowsError(try cluster.psql(sql, database: db)) { error in
                XCTAssertTrue("\(error)".contains("append-only"), "\(sql): \(error)")
            }
        }
        XCTAssertEqual(try store.eventCount(), 1)
    }

    func testReopeningContinuesTheChainAndMigratesOnce() throws {
        var store: EventStore? = try open()
        let first = try append(store!, [event("r1", 0), event("r1", 1)])
        store!.close()
        store = nil
        let reopened = try open()
        let second = try append(reopened, [event("r1", 2)])
        XCTAssertEqual(second.map(\.position), [3])
        XCTAssertEqual(second.first?.previousHash, first.last?.hash)
        XCTAssertTrue(try reopened.verifyChain().isIntact)
        let db = String(settings.url.split(separator: "/").last!.split(separator: "?").first!)
        XCTAssertEqual(try cluster.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", database: db),
                       (1...EventStore.schemaVersion).map(String.init).joined(separator: ","))
    }

    /// Two daemons' stores on one database: appends alternate between them, and the log keeps
    /// one order, one chain and one tree, whoever wrote each event.
    func testTwoStoresOnOneDatabaseKeepOneChainAndOneTree() throws {
        let a = try open(), b = try open()
        var positions: [Int64] = []
        for i in 0..<30 {
            let store = i % 3 == 0 ? a : b
            positions += try append(store, [event("r\(i % 4)", i / 4)]).map(\.position)
        }
        XCTAssertEqual(positions, Array(1...30))
        // Concurrent appends from both: the database serializes them.
        let done = DispatchGroup()
        let results = ResultBox()
        for i in 0..<40 {
            done.enter()
            (i % 2 == 0 ? a : b).append(WriteBatch(events: [event("c\(i)", 0)])) { results.add($0); done.leave() }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertTrue(results.allStored, "\(results.errors)")
        XCTAssertEqual(try a.eventCount(), 70)
        XCTAssertTrue(try b.verifyChain().isIntact)
        let tree = try a.verifyTree(logKey: nil)
        XCTAssertNil(tree.problem, "\(tree)")
        XCTAssertEqual(try a.treeHead().root, try b.treeHead().root)
        // A conflicting write from the other store fails alone, as on one store.
        let e = event("r0", 100)
        try append(a, [e])
        guard case .duplicate = try b.appendAndWait(WriteBatch(events: [e])).get() else { return XCTFail("the other store saw the event") }
        XCTAssertThrowsError(try b.appendAndWait(WriteBatch(events: [event("r0", 100)])).get())
    }

    func testDataKeysOutboxAndProjectionRoundTrip() throws {
        let store = try open()
        let e = event("r1", 0)
        let key = WrappedDataKey(eventID: e.id, requestID: "r1", masterKeyID: "k1", wrapped: [0, 1, 2, 0xfe, 0xff, 0x5c, 0x78])
        var batch = WriteBatch(events: [e], outbox: [OutboxMessage(destination: "DE", kind: "partner-event",
                                                                   body: Array("{\"a\":1}".utf8), eventID: e.id)])
        batch.dataKeys = [key]
        _ = try store.appendAndWait(batch).get()
        XCTAssertEqual(try store.dataKey(requestID: "r1", eventID: e.id)?.wrapped, key.wrapped, "bytes with NUL and backslash survive")
        XCTAssertEqual(try store.sealedHistory(of: "r1").keys[e.id]?.masterKeyID, "k1")
        try store.recordMasterKey(id: "k1", check: [9, 9], at: .now())
        try store.recordMasterKey(id: "k1", check: [9, 9], at: .now())
        XCTAssertEqual(try store.masterKeyChecks().map(\.id), ["k1"])
        XCTAssertEqual(try store.dataKeyCounts(), ["k1": 1])
        let due = try store.dueOutbox(at: .now() + .seconds(1))
        XCTAssertEqual(due.map(\.message.body), [Array("{\"a\":1}".utf8)])
        _ = try store.appendAndWait(WriteBatch(outboxUpdates: [.parked(id: try XCTUnwrap(due.first).id, error: "refused", at: .now())])).get()
        XCTAssertEqual(try store.outboxSummary().parked, 1)
        let dropped = try store.appendAndWait(WriteBatch(outboxUpdates: [.dropped(id: due[0].id, at: .now(), by: "sup", reason: "gone")]))
        XCTAssertNoThrow(try dropped.get())
        XCTAssertThrowsError(try store.appendAndWait(WriteBatch(outboxUpdates: [.dropped(id: due[0].id, at: .now(), by: "sup", reason: "again")])).get()) {
            XCTAssertTrue("\($0)".contains("not parked"), "\($0)")
        }
        var erase = WriteBatch()
        erase.erasedRequests = ["r1"]
        _ = try store.appendAndWait(erase).get()
        XCTAssertNil(try store.dataKey(requestID: "r1", eventID: e.id))
        XCTAssertEqual(try store.logEventCount(), 0)
    }

    /// A session the server ends (an administrator, a failover) fails what was in flight as
    /// unavailable; the next append reconnects, and nothing half-written is left.
    func testALostSessionFailsTheAppendInFlightAndTheNextReconnects() throws {
        let store = try open()
        try append(store, [event("r1", 0)])
        let db = String(settings.url.split(separator: "/").last!.split(separator: "?").first!)
        try cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)' AND pid <> pg_backend_pid()",
                         database: "postgres")
        let lost = store.appendAndWait(WriteBatch(events: [event("r1", 1)]))
        if case .failure(let error) = lost {
            XCTAssertTrue(error.isUnavailable, "\(error)")
        }
        // Whether the first append after the loss failed (the usual case) or reconnected at
        // once, the store goes on with one chain.
        let next = try append(store, [event("r2", 0)])
        XCTAssertEqual(next.count, 1)
        XCTAssertTrue(try store.verifyChain().isIntact)
        XCTAssertEqual(try store.history(of: "r2").count, 1, "reads reconnect too")
    }

    /// The server restarted under the store: appends fail as unavailable while it is down and
    /// go on when it is back; every acknowledged event is there.
    func testAServerRestartIsSurvived() throws {
        let store = try open()
        let before = try append(store, [event("r1", 0), event("r1", 1)])
        XCTAssertTrue(cluster.stop(immediately: true), "the server stopped")
        let down = store.appendAndWait(WriteBatch(events: [event("r2", 0)]))
        guard case .failure(let error) = down else { return XCTFail("an append with the server down cannot succeed") }
        XCTAssertTrue(error.isUnavailable, "\(error)")
        try cluster.start()
        let after = try append(store, [event("r3", 0)])
        XCTAssertEqual(after.first?.previousHash, before.last?.hash)
        XCTAssertEqual(try store.eventCount(), 3)
        XCTAssertTrue(try store.verifyChain().isIntact)
    }

    /// Two daemons that both believe they lead, or one that fires twice: the database keeps
    /// one escalation per request, deadline, due time and level (schema 5).
    func testAnEscalationIsRecordedOnceWhoeverFiresIt() throws {
        let a = try open(), b = try open()
        try append(a, [event("r1", 0), event("r1", 1)])
        func escalation(_ sequence: Int, level: Int) -> NewEvent {
            NewEvent(id: UUID().uuidString.lowercased(), requestID: "r1", sequence: sequence, type: "escalated", actor: "pocd.vn",
                     at: Instant(rfc3339: "2026-11-23T08:00:02Z")!,
                     payload: ["deadline": "acknowledge", "due_at": "2026-11-23T08:00:02Z", "level": .number(Double(level)), "notify": ["officer"]])
        }
        try append(a, [escalation(2, level: 1)])
        XCTAssertThrowsError(try b.appendAndWait(WriteBatch(events: [escalation(3, level: 1)])).get(), "the same escalation again") {
            XCTAssertTrue(($0 as? StoreError)?.isConstraint ?? false, "\($0)")
        }
        try append(b, [escalation(3, level: 2)])
        let guarded = try EventStore(directory: dir, clock: .system)  // the same rule on SQLite
        try append(guarded, [event("r1", 0), escalation(1, level: 1)])
        XCTAssertThrowsError(try guarded.appendAndWait(WriteBatch(events: [escalation(2, level: 1)])).get())
    }

    /// A batch fenced by a leadership session commits only while that session holds the lock.
    func testAFencedBatchCommitsOnlyWhileItsSessionLeads() throws {
        let store = try open()
        let lease = try LeadershipSession(settings, instance: "test")
        XCTAssertTrue(try lease.tryAcquire())
        let other = try LeadershipSession(settings, instance: "other")
        XCTAssertFalse(try other.tryAcquire(), "one leader")
        var fenced = WriteBatch(events: [event("r1", 0)])
        fenced.leaderSession = lease.backendPID
        XCTAssertNoThrow(try store.appendAndWait(fenced).get())
        // The session ends (as when its daemon dies); terminating with a timeout waits until the
        // backend has gone, and with it the lock.
        let pid = try XCTUnwrap(lease.backendPID)
        XCTAssertEqual(try cluster.psql("SELECT pg_terminate_backend(\(pid), 10000)", database: "postgres"), "t")
        XCTAssertTrue(try other.tryAcquire(), "the other takes over")
        var late = WriteBatch(events: [event("r1", 1)])
        late.leaderSession = lease.backendPID
        XCTAssertThrowsError(try store.appendAndWait(late).get()) {
            XCTAssertEqual(($0 as? StoreError)?.code, StoreError.notLeader, "\($0)")
        }
        XCTAssertEqual(try store.history(of: "r1").count, 1, "nothing recorded after the lock went")
    }

    /// A daemon (re)starting while the other appends: its head and tree are read together,
    /// never a tree larger than the log it saw (found by Scripts/bench/postgresql.sh).
    func testOpeningWhileAnotherStoreAppendsSeesOneConsistentHead() throws {
        let writer = try open()
        let done = DispatchSemaphore(value: 0)
        let results = ResultBox()
        let events = (0..<300).map { event("w\($0 % 5)", $0 / 5) }
        DispatchQueue.global().async {
            for e in events { results.add(writer.appendAndWait(WriteBatch(events: [e]))) }
            done.signal()
        }
        var opened = 0
        while done.wait(timeout: .now()) == .timedOut {
            let store = try open()
            XCTAssertTrue(try store.verifyChain().isIntact)
            store.close()
            opened += 1
        }
        XCTAssertTrue(results.allStored, "\(results.errors)")
        XCTAssertGreaterThan(opened, 0)
        let final = try open()
        XCTAssertEqual(try final.treeHead().size, 300)
        let tree = try final.withReadSnapshot { try final.verifyTree(logKey: nil) }
        XCTAssertNil(tree.problem, "\(tree)")
    }

    func testAPasswordInAURLIsNeverShown() {
        XCTAssertEqual(PostgreSQLSettings(url: "postgresql://pocd:s3cret@db:5432/cp?sslmode=require").redactedURL,
                       "postgresql://pocd:***@db:5432/cp?sslmode=require")
        XCTAssertEqual(PostgreSQLSettings(url: "postgresql://pocd@db/cp?password=s3cret&sslmode=require").redactedURL,
                       "postgresql://pocd@db/cp?password=***&sslmode=require")
        XCTAssertEqual(PostgreSQLSettings(url: "postgresql://pocd@db/cp").redactedURL, "postgresql://pocd@db/cp")
    }

    func testParametersAreNumberedOutsideQuotedText() {
        XCTAssertEqual(PostgreSQLConnection.numberedParameters("SELECT a FROM t WHERE b = ? AND c = '?' AND d = ?").0,
                       "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $2")
        XCTAssertEqual(PostgreSQLConnection.numberedParameters("WHERE ?1 IS NULL OR origin = ?1").0, "WHERE $1 IS NULL OR origin = $1")
        XCTAssertEqual(PostgreSQLConnection.numberedParameters("WHERE ?1 IS NULL OR origin = ?1").1, 1)
    }
}
