import CSQLite
import ContactPointModel
import Dispatch
import Foundation

/// The durable, append-only, hash-chained event log, on SQLite in WAL mode with
/// `synchronous=FULL`, plus the outbox of messages waiting to go out.
///
/// Writes go through `append`, which **group-commits**: batches that arrive while a
/// commit is being fsynced are committed together in the next transaction, each in its
/// own savepoint so one bad batch fails alone. A caller hears "durable" only after the
/// commit that holds its batch has returned. Reads use a separate connection, so they
/// never wait for an fsync.
///
/// Threading: the writer connection and chain head belong to `writerQueue`; the reader
/// connection to `readerQueue`; `pending` is guarded by `lock`.
public final class EventStore: @unchecked Sendable {  // writer state on writerQueue, reader on readerQueue, pending under lock
    /// The SQLite file inside the data directory.
    public let path: String
    let writer: SQLiteConnection
    let reader: SQLiteConnection
    let writerQueue = DispatchQueue(label: "contactpoint.store.writer", qos: .userInitiated)
    let readerQueue = DispatchQueue(label: "contactpoint.store.reader")
    let lock = NSLock()
    var pending: [(WriteBatch, @Sendable (Result<AppendOutcome, StoreError>) -> Void)] = []
    var writerBusy = false
    /// The chain head: the last committed position and hash (writer queue).
    var lastPosition: Int64 = 0
    var lastHash = HashChain.genesis
    /// Whether the `cases` projection reflects every committed event (writer queue).
    var projectionValid = true
    /// Counters for metrics and benchmarks (writer queue; read under lock via `statistics`).
    var stats = Statistics()

    /// How the store has been writing.
    public struct Statistics: Sendable {
        public var commits = 0
        public var batches = 0
        public var events = 0
        public var largestGroup = 0
    }

    /// Opens (creating if needed) `events.sqlite` in `directory`.
    public init(directory: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot create the data directory \(directory): \(error.localizedDescription)")
        }
        path = (directory as NSString).appendingPathComponent("events.sqlite")
        writer = try SQLiteConnection(path: path)
        let mode = try writer.scalarText("PRAGMA journal_mode=WAL")
        guard mode == "wal" else { throw StoreError("\(path): cannot switch to WAL mode (got \(mode ?? "nothing"))") }
        try writer.execute("PRAGMA synchronous=FULL")
        try Self.migrate(writer)
        reader = try SQLiteConnection(path: path, readOnly: false)
        try reader.execute("PRAGMA query_only=ON")
        let head = try writer.prepare("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        if try head.step() {
            lastPosition = head.int64(0)
            lastHash = head.text(1) ?? HashChain.genesis
        }
        head.reset()
        projectionValid = try writer.scalarText("SELECT value FROM meta WHERE key = 'projection_position'").flatMap { Int64($0) } == lastPosition
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS events (
            position   INTEGER PRIMARY KEY,
            id         TEXT NOT NULL UNIQUE,
            request_id TEXT NOT NULL,
            sequence   INTEGER NOT NULL,
            type       TEXT NOT NULL,
            actor      TEXT NOT NULL,
            at         TEXT NOT NULL,
            payload    TEXT NOT NULL,
            prev_hash  TEXT NOT NULL,
            hash       TEXT NOT NULL,
            UNIQUE (request_id, sequence)
        );
        CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TABLE IF NOT EXISTS outbox (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id        TEXT,
            destination     TEXT NOT NULL,
            kind            TEXT NOT NULL,
            body            TEXT NOT NULL,
            created_ms      INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            last_error      TEXT,
            delivered_ms    INTEGER
        );
        CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (next_attempt_ms) WHERE delivered_ms IS NULL;
        CREATE INDEX IF NOT EXISTS events_alerts ON events (position) WHERE type IN ('escalated', 'reminded', 'expired');
        -- Derived data: each request's state as of its last event, so a restart reads one row per
        -- request instead of replaying the log. Rebuilt from the events whenever it is not current.
        CREATE TABLE IF NOT EXISTS cases (
            id_high INTEGER NOT NULL, id_low INTEGER NOT NULL, reference TEXT NOT NULL,
            from_cp INTEGER NOT NULL, to_cp INTEGER NOT NULL, kind TEXT NOT NULL, priority TEXT NOT NULL,
            state TEXT NOT NULL, event_count INTEGER NOT NULL,
            t_submitted INTEGER, t_delivered INTEGER, t_acknowledged INTEGER, t_risk_notified INTEGER, t_proceeded INTEGER,
            t_preserved INTEGER, t_expires INTEGER, t_expiry_set INTEGER, t_mla_linked INTEGER, t_ended INTEGER,
            l_deliver INTEGER, l_acknowledge INTEGER, l_preserve INTEGER, l_answer_risk INTEGER,
            reminder_expires INTEGER, reminder_before INTEGER,
            PRIMARY KEY (id_high, id_low)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT OR IGNORE INTO meta (key, value) VALUES ('projection_position', 0);
        PRAGMA user_version = 1;
        """

    static func migrate(_ db: SQLiteConnection) throws(StoreError) {
        let version = Int(try db.scalarText("PRAGMA user_version") ?? "0") ?? 0
        guard version <= 1 else {
            throw StoreError("\(db.path) was written by a newer ContactPoint (schema \(version)); refusing to open it")
        }
        if version < 1 { try db.execute("BEGIN IMMEDIATE; \(schema) COMMIT;") }
    }

    /// Closes both connections after pending writes finish.
    public func close() {
        writerQueue.sync { writer.close() }
        readerQueue.sync { reader.close() }
    }

    /// The writer's counters so far.
    public var statistics: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }
}
