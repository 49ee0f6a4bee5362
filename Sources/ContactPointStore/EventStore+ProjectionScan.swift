import ContactPointModel
import Dispatch
import Foundation
import Synchronization

/// The projection read at start: every row, checked against the digest, on SQLite in two parts at once.
extension EventStore {
    /// Calls `body` with every row of the projection (a request's state as of its last
    /// event), in no particular order, and returns whether the rows match the digest recorded
    /// with the last commit. A mismatch means the projection was changed behind the daemon's
    /// back: rebuild it.
    ///
    /// The rows are hashed in chunks on other threads while this one reads on and `body`
    /// builds the records. On SQLite, a large table is read in two parts at once: the rows from
    /// two fifths of the way on by a second connection on another thread (this thread also
    /// files every row, so it reads the smaller part), in the same snapshot of the database
    /// (both see the same last event, and nothing but this daemon writes the file), handed
    /// over in chunks that `body` takes on this thread between its own pages. `splitFrom`: the
    /// fewest rows read that way (tests read a few). `reserve` is told how many rows there are
    /// before the first.
    @discardableResult
    public func forEachSnapshot(splittingFrom splitFrom: Int64 = 100_000, reserve: (Int) -> Void = { _ in },
                                _ body: (CaseRecord.Snapshot) throws -> Void) throws -> Bool {
        try onReader { () throws -> Bool in
            let computed = Mutex(ProjectionDigest())
            let hashing = DispatchGroup()
            @Sendable func hash(_ rows: [CaseRecord.Snapshot]) {
                DispatchQueue.global().async(group: hashing) {
                    let part = ProjectionDigest(rows: rows)
                    computed.withLock { $0.combine(part) }
                }
            }
            defer { hashing.wait() }
            // Pages by key, in one snapshot with the digest, so the two agree.
            try reader.execute(reader.dialect.beginSnapshot)
            defer { try? reader.execute("COMMIT") }
            let recorded = try reader.scalarText("SELECT digest FROM projection_digest WHERE id = 1").flatMap(ProjectionDigest.init(hex:))
            // Counted once, in the snapshot read: the caller makes room, the parts split by it.
            let rows = try reader.scalarInt("SELECT count(*) FROM cases") ?? 0
            reserve(Int(rows))
            // A second connection that cannot be had (or agree) only means one reader, as before.
            let upper = (try? secondReader(rows: rows, from: splitFrom)) ?? nil
            let handoff = SnapshotHandoff()
            let reading = DispatchGroup()
            if let upper {
                // The connection is this task's alone until `reading` is done.
                nonisolated(unsafe) let connection = upper.connection
                let split = upper.split
                handoff.start()
                DispatchQueue.global().async(group: reading) {
                    do {
                        var chunk: [CaseRecord.Snapshot] = []
                        chunk.reserveCapacity(Self.digestChunk)
                        try Self.scanProjection(connection, from: split, below: nil) { row in
                            chunk.append(row)
                            guard chunk.count == Self.digestChunk else { return true }
                            hash(chunk)
                            let go = handoff.put(chunk)
                            chunk.removeAll(keepingCapacity: true)
                            return go
                        }
                        if !chunk.isEmpty {
                            hash(chunk)
                            _ = handoff.put(chunk)
                        }
                        handoff.finish(nil)
                    } catch {
                        handoff.finish(error)
                    }
                    try? connection.execute("COMMIT")
                    connection.close()
                }
            }
            defer {
                handoff.cancel()
                reading.wait()
            }
            var chunk: [CaseRecord.Snapshot] = []
            chunk.reserveCapacity(Self.digestChunk)
            var failure: (any Error)?
            try Self.scanProjection(reader, from: nil, below: upper?.split) { row in
                do {
                    try body(row)
                    chunk.append(row)
                    if chunk.count == Self.digestChunk {
                        hash(chunk)
                        chunk.removeAll(keepingCapacity: true)
                        // Between chunks of its own, this thread takes what the other has read.
                        for rows in handoff.takeReady() { for r in rows { try body(r) } }
                    }
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            if !chunk.isEmpty { hash(chunk) }
            while let rows = try handoff.take() { for r in rows { try body(r) } }
            hashing.wait()
            return recorded == computed.withLock { $0 }
        }
    }

    /// A second SQLite connection in a read transaction that sees what the reader sees, and the
    /// key from which it reads the projection; nil when the table is small, on PostgreSQL, or
    /// when the two connections' snapshots differ (another process wrote between them).
    func secondReader(rows: Int64, from splitFrom: Int64) throws -> (connection: SQLiteConnection, split: (Int64, Int64))? {
        guard reader.dialect == .sqlite else { return nil }
        guard rows >= max(1, splitFrom) else { return nil }
        // Every commit that changes the projection appends events and records its digest.
        let version = "SELECT coalesce(max(position), 0) || ' ' || coalesce((SELECT digest FROM projection_digest WHERE id = 1), '') FROM events"
        let seen = try reader.scalarText(version)
        let connection = try SQLiteConnection(path: path, readOnly: false)
        try connection.execute("PRAGMA query_only=ON")
        try connection.execute("BEGIN")
        guard try connection.scalarText(version) == seen else {
            try? connection.execute("COMMIT")
            connection.close()
            return nil
        }
        let split = try reader.prepare("SELECT id_high, id_low FROM cases ORDER BY id_high, id_low LIMIT 1 OFFSET ?")
        defer { split.reset() }
        split.bind(1, rows * 2 / 5)
        guard try split.step() else {
            try? connection.execute("COMMIT")
            connection.close()
            return nil
        }
        return (connection, (split.int64(0), split.int64(1)))
    }

    /// Reads the projection's rows by key, in pages, from `from` (inclusive; the first row if
    /// nil) to `below` (exclusive; the last row if nil), while `row` returns true.
    private static func scanProjection(_ connection: any SQLConnection, from: (Int64, Int64)?, below: (Int64, Int64)?,
                                       _ row: (CaseRecord.Snapshot) throws -> Bool) throws {
        let columns = caseColumns.joined(separator: ", ")
        let first = try connection.prepare(from == nil
            ? "SELECT \(columns) FROM cases ORDER BY id_high, id_low LIMIT ?"
            : "SELECT \(columns) FROM cases WHERE (id_high, id_low) >= (?, ?) ORDER BY id_high, id_low LIMIT ?")
        let next = try connection.prepare("""
            SELECT \(columns) FROM cases WHERE (id_high, id_low) > (?, ?) ORDER BY id_high, id_low LIMIT ?
            """)
        defer { first.reset(); next.reset() }
        var after = from
        var started = false
        while true {
            let s = started ? next : first
            s.reset()
            if let after {
                s.bind(1, after.0)
                s.bind(2, after.1)
                s.bind(3, Int64(scanPage))
            } else {
                s.bind(1, Int64(scanPage))
            }
            started = true
            var seen = 0
            while try s.step() {
                seen += 1
                let key = (s.int64(0), s.int64(1))
                if let below, key >= below { return }
                after = key
                let snapshot = CaseRecord.Snapshot(
                    id: RequestID(high: UInt64(bitPattern: key.0), low: UInt64(bitPattern: key.1)),
                    reference: s.text(2) ?? "", from: UInt16(truncatingIfNeeded: s.int64(3)), to: UInt16(truncatingIfNeeded: s.int64(4)),
                    kind: s.text(5) ?? "", priority: s.text(6) ?? "", state: s.text(7) ?? "", eventCount: s.int64(8),
                    times: InlineArray { s.int64(Int32(9 + $0)) }, levels: InlineArray { s.int64(Int32(19 + $0)) },
                    reminderExpires: s.int64(23), reminderBefore: s.int64(24), erasedAt: s.int64(25),
                    articles: s.int64(26))
                guard try row(snapshot) else { return }
            }
            if seen < scanPage { return }
        }
    }

    /// Rows hashed per task when the projection's digest is checked.
    static let digestChunk = 16_384
}

/// Chunks of projection rows handed from the thread reading the upper part to the one that
/// files them: at most `capacity` chunks wait (the reader blocks beyond that, so memory stays
/// a few chunks whatever the table's size); the taker can stop the reader.
final class SnapshotHandoff: @unchecked Sendable {  // every field guarded by `condition`
    private let condition = NSCondition()
    private var ready: [[CaseRecord.Snapshot]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity = 4

    /// Hands over a chunk, waiting while `capacity` wait; false once the taker has stopped.
    func put(_ rows: [CaseRecord.Snapshot]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        ready.append(rows)
        condition.broadcast()
        return true
    }

    /// The reader is done, with the error that stopped it if any.
    func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    /// The taker stops: a reader waiting in `put` returns false.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }

    /// The chunks waiting now, without waiting for more.
    func takeReady() -> [[CaseRecord.Snapshot]] {
        condition.lock()
        defer { condition.unlock() }
        let taken = ready
        ready.removeAll()
        condition.broadcast()
        return taken
    }

    /// The next chunk, waiting for it; nil when the reader has finished and none is left, or
    /// the reader's error. Returns nil at once if nothing was ever going to be handed over.
    func take() throws -> [CaseRecord.Snapshot]? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished && started { condition.wait() }
        if !ready.isEmpty {
            condition.broadcast()
            return ready.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Whether a reader was started (`start()`); `take` waits only then.
    private var started = false
    func start() {
        condition.lock()
        defer { condition.unlock() }
        started = true
    }
}
