import ContactPointModel
import Dispatch
import Synchronization

extension EventStore {
    /// One request's history, in order. Runs on the reader connection; safe from any queue but the reader's.
    public func history(of requestID: String) throws(StoreError) -> [StoredEvent] {
        try onReader { () throws(StoreError) -> [StoredEvent] in try historyOnReader(requestID) }
    }

    /// A request's access log: the `content-read` events of the log itself that name it, in
    /// log order, read on the reader queue (docs/privacy.md §3; the partial index `events_reads`).
    public func reads(of requestID: String, completion: @escaping @Sendable (Result<[StoredEvent], StoreError>) -> Void) {
        readerQueue.async {
            completion(Result { () throws(StoreError) -> [StoredEvent] in
                let s = try self.reader.prepare("""
                    SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash FROM events
                    WHERE type = 'content-read' AND \(self.reader.dialect.readRequestID) = ? ORDER BY position
                    """)
                defer { s.reset() }
                s.bind(1, requestID)
                var events: [StoredEvent] = []
                while try s.step() { events.append(try Self.row(s)) }
                return events
            })
        }
    }

    /// The ids of the requests submitted as following on from `requestID` (their `extends`
    /// names it: an extension, or an Art. 43 request to a third country), in log order,
    /// through the partial index `events_follow_ons`. On the reader queue.
    func followOnsOnReader(_ requestID: String) throws(StoreError) -> [String] {
        let s = try reader.prepare("""
            SELECT request_id FROM events
            WHERE type = 'submitted' AND \(reader.dialect.submittedExtends) = ? ORDER BY position
            """)
        defer { s.reset() }
        s.bind(1, requestID)
        var ids: [String] = []
        while try s.step() { ids.append(s.text(0) ?? "") }
        return ids
    }

    /// Reads `history(of:)` on the reader queue and calls back there.
    public func history(of requestID: String, completion: @escaping @Sendable (Result<[StoredEvent], StoreError>) -> Void) {
        readerQueue.async {
            completion(Result { () throws(StoreError) -> [StoredEvent] in try self.historyOnReader(requestID) })
        }
    }

    func historyOnReader(_ requestID: String) throws(StoreError) -> [StoredEvent] {
        let s = try reader.prepare("""
            SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash
            FROM events WHERE request_id = ? ORDER BY sequence
            """)
        defer { s.reset() }
        s.bind(1, requestID)
        var events: [StoredEvent] = []
        while try s.step() { events.append(try Self.row(s)) }
        return events
    }

    /// Calls `body` with every event in log order (replay on start, audit verification).
    /// A payload that is not JSON is reported through `body` as a `.null` payload with the
    /// raw text kept in `rawPayload`, so verification can still name the event.
    public func forEachEvent(_ body: (StoredEvent, _ rawPayload: [UInt8]) throws -> Void) throws {
        try onReader { () throws in try forEachEventOnReader(body) }
    }

    /// `forEachEvent` for code already on the reader queue.
    /// Pages of `scanPage` events, by position, so a backend that reads results whole
    /// (PostgreSQL) holds one page at a time.
    func forEachEventOnReader(_ body: (StoredEvent, _ rawPayload: [UInt8]) throws -> Void) throws {
        let s = try reader.prepare("""
            SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash
            FROM events WHERE position > ? ORDER BY position LIMIT ?
            """)
        defer { s.reset() }
        var after: Int64 = Int64.min
        var more = true
        while more {
            s.reset()
            s.bind(1, after)
            s.bind(2, Int64(Self.scanPage))
            var seen = 0
            while try s.step() {
                seen += 1
                after = s.int64(0)
            let raw = s.bytes(7)
            let event = (try? Self.row(s)) ?? StoredEvent(
                position: s.int64(0),
                event: NewEvent(id: s.text(1) ?? "", requestID: s.text(2) ?? "", sequence: Int(s.int64(3)),
                                type: s.text(4) ?? "", actor: s.text(5) ?? "",
                                at: Instant(rfc3339: s.text(6) ?? "") ?? Instant(millisecondsSince1970: 0), payload: .null),
                previousHash: s.text(8) ?? "", hash: s.text(9) ?? "")
                try body(event, raw)
            }
            more = seen == Self.scanPage
        }
    }

    /// Rows per page of a whole-table scan.
    static let scanPage = 10_000

    /// The number of events in the log.
    public func eventCount() throws(StoreError) -> Int64 {
        try onReader { () throws(StoreError) -> Int64 in
            let s = try reader.prepare("SELECT count(*) FROM events")
            defer { s.reset() }
            _ = try s.step()
            return s.int64(0)
        }
    }

    /// Whether an event with this id is in the log (partner deliveries are idempotent by event id).
    public func contains(eventID: String) throws(StoreError) -> Bool {
        try onReader { () throws(StoreError) -> Bool in try containsOnReader(eventID) }
    }

    private func containsOnReader(_ eventID: String) throws(StoreError) -> Bool {
        let s = try reader.prepare("SELECT 1 FROM events WHERE id = ?")
        defer { s.reset() }
        s.bind(1, eventID)
        return try s.step()
    }

    static func row(_ s: any SQLStatement) throws(StoreError) -> StoredEvent {
        let payload: JSONValue
        do { payload = try JSONParser.parse(s.bytes(7)) } catch {
            throw StoreError("event at position \(s.int64(0)): payload is not JSON (\(error))")
        }
        guard let at = Instant(rfc3339: s.text(6) ?? "") else {
            throw StoreError("event at position \(s.int64(0)): bad time \(s.text(6) ?? "NULL")")
        }
        return StoredEvent(
            position: s.int64(0),
            event: NewEvent(id: s.text(1) ?? "", requestID: s.text(2) ?? "", sequence: Int(s.int64(3)),
                            type: s.text(4) ?? "", actor: s.text(5) ?? "", at: at, payload: payload),
            previousHash: s.text(8) ?? "", hash: s.text(9) ?? "")
    }

    func onReader<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        dispatchPrecondition(condition: .notOnQueue(readerQueue))
        let result: Result<T, StoreError> = readerQueue.sync { Result { () throws(StoreError) -> T in try body() } }
        return try result.get()
    }

    func onReader<T>(_ body: () throws -> T) throws -> T {
        dispatchPrecondition(condition: .notOnQueue(readerQueue))
        return try readerQueue.sync { try body() }
    }
}

extension EventStore {
    /// Outbox messages due for an attempt at `now`, oldest first.
    ///
    /// Only the head of each destination's line is ever due: its oldest waiting message, once
    /// its attempt time has come. A later message never overtakes one that is backing off, so a
    /// partner receives a request's events in the order they happened (docs/transport.md).
    public func dueOutbox(at now: Instant, limit: Int = 100) throws(StoreError) -> [OutboxEntry] {
        try onReader { () throws(StoreError) -> [OutboxEntry] in
            let s = try reader.prepare("""
                SELECT id, event_id, destination, kind, body, created_ms, attempts, next_attempt_ms, last_error, parked_ms, delivered_ms, dropped_ms, resolution
                FROM outbox WHERE id IN (\(Self.headsOfLines)) AND next_attempt_ms <= ?
                ORDER BY id LIMIT ?
                """)
            defer { s.reset() }
            s.bind(1, now.millisecondsSince1970)
            s.bind(2, Int64(limit))
            var entries: [OutboxEntry] = []
            while try s.step() { entries.append(Self.outboxRow(s)) }
            return entries
        }
    }

    /// Messages in one state (`waiting`, `parked`), oldest first, or every message not
    /// delivered nor dropped when `state` is nil (for the operator and supervisors).
    public func outboxEntries(state: String? = nil, limit: Int = 1000) throws(StoreError) -> [OutboxEntry] {
        let condition: String
        switch state {
        case "parked": condition = "parked_ms IS NOT NULL AND delivered_ms IS NULL AND dropped_ms IS NULL"
        case "waiting": condition = "parked_ms IS NULL AND delivered_ms IS NULL AND dropped_ms IS NULL"
        default: condition = "delivered_ms IS NULL AND dropped_ms IS NULL"
        }
        return try onReader { () throws(StoreError) -> [OutboxEntry] in
            let s = try reader.prepare("""
                SELECT id, event_id, destination, kind, body, created_ms, attempts, next_attempt_ms, last_error, parked_ms, delivered_ms, dropped_ms, resolution
                FROM outbox WHERE \(condition) ORDER BY id LIMIT ?
                """)
            defer { s.reset() }
            s.bind(1, Int64(limit))
            var entries: [OutboxEntry] = []
            while try s.step() { entries.append(Self.outboxRow(s)) }
            return entries
        }
    }

    /// One message, in whatever state.
    public func outboxEntry(id: Int64) throws(StoreError) -> OutboxEntry? {
        try onReader { () throws(StoreError) -> OutboxEntry? in
            let s = try reader.prepare("""
                SELECT id, event_id, destination, kind, body, created_ms, attempts, next_attempt_ms, last_error, parked_ms, delivered_ms, dropped_ms, resolution
                FROM outbox WHERE id = ?
                """)
            defer { s.reset() }
            s.bind(1, id)
            return try s.step() ? Self.outboxRow(s) : nil
        }
    }

    /// Each destination's oldest waiting message: the only one that may be sent next.
    static let headsOfLines = """
        SELECT min(id) FROM outbox WHERE delivered_ms IS NULL AND parked_ms IS NULL AND dropped_ms IS NULL GROUP BY destination
        """

    /// When the next message is due for an attempt, if any: the earliest among the heads of
    /// the lines (a later message's own time does not count while the one ahead of it waits).
    public func earliestOutboxAttempt() throws(StoreError) -> Instant? {
        try onReader { () throws(StoreError) -> Instant? in
            let s = try reader.prepare("""
                SELECT min(next_attempt_ms) FROM outbox WHERE id IN (\(Self.headsOfLines))
                """)
            defer { s.reset() }
            _ = try s.step()
            return s.isNull(0) ? nil : Instant(millisecondsSince1970: s.int64(0))
        }
    }

    /// How many messages wait, how many are parked, and the creation time of the oldest waiting one.
    ///
    /// On SQLite the answer is kept until a commit touches the outbox (`/healthz` asks on every
    /// call; the query and the hop to the reader's queue were a tenth of a keep-alive GET). On
    /// PostgreSQL another daemon may write the outbox, so it is always read.
    public func outboxSummary() throws(StoreError) -> (depth: Int, parked: Int, oldest: Instant?) {
        if let kept = cachedOutboxSummary() { return kept }
        lock.lock()
        let generation = outboxGeneration
        lock.unlock()
        let summary = try readOutboxSummary()
        if reader.dialect == .sqlite {
            // Kept only if no commit touched the outbox meanwhile: the bump follows the COMMIT, so
            // a summary read before a commit is never kept past that commit's bump.
            lock.lock()
            if outboxGeneration == generation { outboxSummaryCache = (generation, summary.depth, summary.parked, summary.oldest) }
            lock.unlock()
        }
        return summary
    }

    /// The outbox summary if it is kept (SQLite, no commit has touched the outbox since it was
    /// read), without waiting for a read: nil otherwise.
    public func cachedOutboxSummary() -> (depth: Int, parked: Int, oldest: Instant?)? {
        guard reader.dialect == .sqlite else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let c = outboxSummaryCache, c.generation == outboxGeneration else { return nil }
        return (c.depth, c.parked, c.oldest)
    }

    private func readOutboxSummary() throws(StoreError) -> (depth: Int, parked: Int, oldest: Instant?) {
        try onReader { () throws(StoreError) -> (depth: Int, parked: Int, oldest: Instant?) in
            let s = try reader.prepare("""
                SELECT count(*), min(created_ms),
                       (SELECT count(*) FROM outbox WHERE parked_ms IS NOT NULL AND delivered_ms IS NULL AND dropped_ms IS NULL)
                FROM outbox WHERE delivered_ms IS NULL AND parked_ms IS NULL AND dropped_ms IS NULL
                """)
            defer { s.reset() }
            _ = try s.step()
            let oldest = s.isNull(1) ? nil : Instant(millisecondsSince1970: s.int64(1))
            return (Int(s.int64(0)), Int(s.int64(2)), oldest)
        }
    }

    static func outboxRow(_ s: any SQLStatement) -> OutboxEntry {
        OutboxEntry(
            id: s.int64(0),
            message: OutboxMessage(destination: s.text(2) ?? "", kind: s.text(3) ?? "", body: s.bytes(4), eventID: s.text(1)),
            createdAt: Instant(millisecondsSince1970: s.int64(5)), attempts: Int(s.int64(6)),
            nextAttemptAt: Instant(millisecondsSince1970: s.int64(7)), lastError: s.text(8),
            parkedAt: s.isNull(9) ? nil : Instant(millisecondsSince1970: s.int64(9)),
            deliveredAt: s.isNull(10) ? nil : Instant(millisecondsSince1970: s.int64(10)),
            droppedAt: s.isNull(11) ? nil : Instant(millisecondsSince1970: s.int64(11)), resolution: s.text(12))
    }
}

extension EventStore {
    /// Whether the `cases` projection reflects every event in the log, with its digest recorded.
    public func projectionIsCurrent() throws(StoreError) -> Bool {
        try onReader { () throws(StoreError) -> Bool in
            let s = try reader.prepare("""
                SELECT (SELECT value FROM meta WHERE key = 'projection_position') = coalesce((SELECT max(position) FROM events), 0)
                   AND EXISTS (SELECT 1 FROM projection_digest WHERE id = 1)
                """)
            defer { s.reset() }
            _ = try s.step()
            return s.int64(0) == 1
        }
    }

    /// The last `limit` events that raised alerts (escalated, reminded, expired, log-inconsistent), oldest first.
    /// The types of the events that raise alerts, as the partial index `events_alerts` (schema 6) lists them.
    static let alertEventTypes = "'escalated', 'reminded', 'expired', 'log-inconsistent', 'preserved', 'disclosed', 'no-data-reported', 'refused', "
        + "'risk-notified', 'traffic-disclosed', 'proceeded', 'extended', 'mla-linked', 'withdrawn', 'released', 'partner-erased'"

    public func recentAlertEvents(limit: Int) throws(StoreError) -> [StoredEvent] {
        try onReader { () throws(StoreError) -> [StoredEvent] in
            let s = try reader.prepare("""
                SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash FROM events
                WHERE type IN (\(Self.alertEventTypes)) ORDER BY position DESC LIMIT ?
                """)
            defer { s.reset() }
            s.bind(1, Int64(limit))
            var events: [StoredEvent] = []
            while try s.step() { events.append(try Self.row(s)) }
            return events.reversed()
        }
    }
}

extension EventStore {
    /// `contains(eventID:)` on the reader queue, calling back there.
    public func contains(eventID: String, completion: @escaping @Sendable (Bool) -> Void) {
        readerQueue.async { completion((try? self.containsOnReader(eventID)) == true) }
    }
}

extension EventStore {
    /// How many events of the log itself (request id `""`, docs/audit.md §7) there are: the
    /// next one's sequence.
    public func logEventCount() throws(StoreError) -> Int {
        try onReader { () throws(StoreError) -> Int in
            let s = try reader.prepare("SELECT COALESCE(max(sequence) + 1, 0) FROM events WHERE request_id = ''")  // one index probe
            defer { s.reset() }
            _ = try s.step()
            return Int(s.int64(0))
        }
    }
}

extension EventStore {
    /// The events after `position`, in log order, at most `limit`, read on the reader queue
    /// and called back there: how a daemon follows what the others sharing its database
    /// wrote (PostgreSQL).
    public func events(after position: Int64, limit: Int, completion: @escaping @Sendable (Result<[StoredEvent], StoreError>) -> Void) {
        readerQueue.async {
            completion(Result { () throws(StoreError) -> [StoredEvent] in
                let s = try self.reader.prepare("""
                    SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash
                    FROM events WHERE position > ? ORDER BY position LIMIT ?
                    """)
                defer { s.reset() }
                s.bind(1, position)
                s.bind(2, Int64(limit))
                var events: [StoredEvent] = []
                while try s.step() { events.append(try Self.row(s)) }
                return events
            })
        }
    }

    /// The position of the last event in the log (0 when empty), as the database has it now.
    public func headPosition() throws(StoreError) -> Int64 {
        try onReader { () throws(StoreError) -> Int64 in
            let s = try reader.prepare("SELECT coalesce(max(position), 0) FROM events")
            defer { s.reset() }
            _ = try s.step()
            return s.int64(0)
        }
    }
}
