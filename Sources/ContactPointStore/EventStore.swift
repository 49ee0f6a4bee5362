import AuditLog
import CSQLite
import ContactPointModel
import Dispatch
import Foundation

/// The durable, append-only, hash-chained event log, plus the outbox of messages waiting
/// to go out: on SQLite in WAL mode with `synchronous=FULL` (the embedded default), or on
/// PostgreSQL with `synchronous_commit` on, where several daemons may share one database
/// and each commit first takes the database's append lock and catches up with the others.
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
    /// The SQLite file inside the data directory, or the PostgreSQL URL (no password).
    public let path: String
    let writer: any SQLConnection
    let reader: any SQLConnection
    let writerQueue = DispatchQueue(label: "contactpoint.store.writer", qos: .userInitiated)
    let readerQueue = DispatchQueue(label: "contactpoint.store.reader")
    let lock = NSLock()
    var pending: [(WriteBatch, @Sendable (Result<AppendOutcome, StoreError>) -> Void)] = []
    var writerBusy = false
    /// The chain head: the last committed position and hash (writer queue).
    var lastPosition: Int64 = 0
    var lastHash = HashChain.genesis
    /// PostgreSQL: the head must be read again before the next append (writer queue).
    var headStale = false
    /// Whether the `cases` projection reflects every committed event (writer queue).
    var projectionValid = true
    /// The Merkle tree's right edge over every committed event (writer queue).
    var tree = MerkleTreeState()
    /// The digest of the `cases` projection: the XOR of every row's SHA-256, kept as rows
    /// change and recorded with each commit, so a row edited behind the daemon's back is
    /// found at the next start (writer queue). See `ProjectionDigest`.
    var projectionDigest = ProjectionDigest()
    /// An erasure's WAL wipe that a reader blocked, to retry after the next commit (writer queue).
    var walWipePending = false
    /// Whether a retry of that wipe is scheduled (writer queue).
    var wipeRetryScheduled = false
    /// Counters for metrics and benchmarks (writer queue; read under lock via `statistics`).
    var stats = Statistics()
    /// Bumped (under `lock`) after every commit that touched the outbox; the outbox summary
    /// read at one generation stays valid until the next (SQLite only: one writer, this one).
    var outboxGeneration = 0
    /// The last outbox summary read, and the generation it was read at (under `lock`).
    var outboxSummaryCache: (generation: Int, depth: Int, parked: Int, oldest: Instant?)?
    /// Where the store lives, when it is on PostgreSQL (nil on SQLite).
    public private(set) var postgresql: PostgreSQLSettings?
    /// The schema version the store had when this process opened it (it is now `schemaVersion`).
    public private(set) var foundSchema = 0
    /// The daemon's one clock: when an outbox message is created and first due.
    public let clock: Clock

    /// How the store has been writing.
    public struct Statistics: Sendable {
        public var commits = 0
        public var batches = 0
        public var events = 0
        public var largestGroup = 0
        /// Whether an erasure's WAL wipe waits for a reader to leave (docs/privacy.md §4).
        public var walWipePending = false
    }

    /// Opens (creating if needed) `events.sqlite` in `directory`. `clock` dates the outbox
    /// messages it stores (the daemon passes its one clock; tools pass `.system`).
    ///
    /// The data may name people, so the directory is created `0700` and the database, its
    /// WAL and its shared-memory file are `0600`, whatever the umask (SQLite gives the WAL
    /// and SHM files the database file's permissions).
    public convenience init(directory: String, clock: Clock) throws(StoreError) {
        try self.init(file: (directory as NSString).appendingPathComponent("events.sqlite"), clock: clock)
    }

    /// Opens (creating if needed) the SQLite store `file`; its folder is created `0700` if missing.
    public init(file: String, clock: Clock) throws(StoreError) {
        self.clock = clock
        let directory = (file as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError("cannot create the data directory \(directory): \(error.localizedDescription)")
        }
        path = file
        try Self.makePrivate(path, create: true)
        let writer = try SQLiteConnection(path: path)
        self.writer = writer
        let mode = try writer.scalarText("PRAGMA journal_mode=WAL")
        guard mode == "wal" else { throw StoreError("\(path): cannot switch to WAL mode (got \(mode ?? "nothing"))") }
        try writer.execute("PRAGMA synchronous=FULL")
        // Deleted rows (an erased request's data keys) are overwritten with zeros, not left in free space.
        try writer.execute("PRAGMA secure_delete=ON")
        foundSchema = try Self.migrate(writer)
        let reader = try SQLiteConnection(path: path, readOnly: false)
        self.reader = reader
        try reader.execute("PRAGMA query_only=ON")
        for suffix in ["-wal", "-shm"] { try Self.makePrivate(path + suffix, create: false) }
        try loadHead()
        try openTree()
        // A wipe an earlier process could not finish (it crashed, or a reader held the WAL).
        if !writer.checkpointTruncate(waitingAtMost: 2_000) { writerQueue.async { self.retryWipe(waitingAtMost: 0) } }
    }

    /// Opens the store in a PostgreSQL database, creating or migrating its schema (under the
    /// database's migration lock, so two daemons starting together migrate once).
    public init(postgresql settings: PostgreSQLSettings, clock: Clock) throws(StoreError) {
        self.clock = clock
        postgresql = settings
        path = settings.redactedURL
        let writer = try PostgreSQLConnection(settings, applicationName: "pocd writer")
        self.writer = writer
        foundSchema = try Self.migrate(writer, clock: clock)
        reader = try PostgreSQLConnection(settings, readOnly: true, applicationName: "pocd reader")
        // The head and the tree's edge read together, under the append lock: another daemon
        // appending meanwhile would otherwise show a tree larger than the log it read.
        try writer.execute("BEGIN")
        do throws(StoreError) {
            try writer.execute("SELECT pg_advisory_xact_lock(\(Self.appendLock))")
            try loadHead()
            try openTree()
            try writer.execute("COMMIT")
        } catch {
            try? writer.execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` with every read of this store in one snapshot of the database (PostgreSQL:
    /// a repeatable-read transaction on the reader), so a check of
    /// a log other daemons keep appending to sees one consistent log (`pocd audit verify`).
    /// Not for the daemon's own reads: it holds the reader.
    public func withReadSnapshot<T>(_ body: () throws -> T) throws -> T {
        guard reader.dialect == .postgresql else { return try body() }  // one SQLite writer: the daemon's, whose commits are whole
        try onReader { () throws(StoreError) in try reader.execute(reader.dialect.beginSnapshot) }
        defer { try? onReader { () throws(StoreError) in try reader.execute("COMMIT") } }
        return try body()
    }

    /// Reads the chain head, whether the projection is current and its digest (writer queue, or init).
    func loadHead() throws(StoreError) {
        let head = try writer.prepare("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        if try head.step() {
            lastPosition = head.int64(0)
            lastHash = head.text(1) ?? HashChain.genesis
        } else {
            lastPosition = 0
            lastHash = HashChain.genesis
        }
        head.reset()
        projectionValid = try writer.scalarText("SELECT value FROM meta WHERE key = 'projection_position'").flatMap { Int64($0) } == lastPosition
        if let recorded = try writer.scalarText("SELECT digest FROM projection_digest WHERE id = 1"),
           let digest = ProjectionDigest(hex: recorded) {
            projectionDigest = digest
        } else {
            projectionDigest = ProjectionDigest()
            projectionValid = false  // never recorded (a store from before schema 2): rebuild once
        }
    }

    /// Creates `file` as `0600` if asked and it is missing, and makes an existing one `0600`.
    static func makePrivate(_ file: String, create: Bool) throws(StoreError) {
        if create {
            let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw StoreError("cannot create the event store \(file): \(String(cString: strerror(errno)))") }
            _ = Glibc.close(fd)
        }
        if chmod(file, 0o600) != 0 && errno != ENOENT {
            throw StoreError("cannot make \(file) private (chmod 600): \(String(cString: strerror(errno)))")
        }
    }

    /// The schema, as numbered migrations: migration N brings `user_version` from N-1 to N.
    /// A new store runs them all; an existing one runs those it has not had, each in one
    /// transaction. Never edit a migration that has shipped: add one.
    static let migrations: [String] = [
        // 1: the event log, the outbox and the projection.
        """
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
        """,
        // 2: messages a receiver refused for good are parked for a supervisor, who retries or
        // drops them; the projection's digest, checked at start.
        """
        ALTER TABLE outbox ADD COLUMN parked_ms INTEGER;
        ALTER TABLE outbox ADD COLUMN dropped_ms INTEGER;
        ALTER TABLE outbox ADD COLUMN resolution TEXT;
        DROP INDEX IF EXISTS outbox_pending;
        CREATE INDEX outbox_pending ON outbox (next_attempt_ms)
            WHERE delivered_ms IS NULL AND parked_ms IS NULL AND dropped_ms IS NULL;
        CREATE INDEX outbox_parked ON outbox (id) WHERE parked_ms IS NOT NULL AND delivered_ms IS NULL AND dropped_ms IS NULL;
        CREATE TABLE projection_digest (id INTEGER PRIMARY KEY CHECK (id = 1), digest TEXT NOT NULL);
        -- An empty projection's digest is known; a store from schema 1 with rows gets one when
        -- the daemon next starts, rebuilds the projection from the log and records it.
        INSERT INTO projection_digest (id, digest)
            SELECT 1, '0000000000000000000000000000000000000000000000000000000000000000' WHERE NOT EXISTS (SELECT 1 FROM cases);
        """,
        // 3: the Merkle tree over the events (docs/audit.md): each new event's leaf hash in its
        // own row, the complete subtrees of 16 leaves and more (level >= 4) in merkle_nodes, the
        // tree's size in meta; the signed checkpoints and the cosignatures partners gave;
        // the latest checkpoint this daemon cosigned of each partner's log, and the proof of any
        // inconsistency it was offered. Existing events get their leaves when the store opens.
        """
        ALTER TABLE events ADD COLUMN leaf BLOB;
        CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
                                   PRIMARY KEY (level, idx)) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta (key, value) VALUES ('tree_size', 0);
        CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL, issued_ms INTEGER NOT NULL);
        CREATE TABLE cosignatures (size INTEGER NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, received_ms INTEGER NOT NULL,
                                   PRIMARY KEY (size, witness));
        CREATE TABLE witnessed (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, note TEXT NOT NULL, updated_ms INTEGER NOT NULL);
        CREATE TABLE witness_evidence (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, reason TEXT NOT NULL,
                                       cosigned TEXT NOT NULL, offered TEXT NOT NULL, at_ms INTEGER NOT NULL);
        -- Alerts are rebuilt at start from these events: the partial index must cover every type
        -- the query asks for, or a restart scans the whole log.
        DROP INDEX IF EXISTS events_alerts;
        CREATE INDEX events_alerts ON events (position) WHERE type IN ('escalated', 'reminded', 'expired', 'log-inconsistent');
        CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
        CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
        """,
        // 4: personal content sealed (docs/privacy.md): one wrapped data key per event that
        // carries content, deleted to erase it; a check value per master key ever used, so a
        // wrong key file is refused at start; when each request's content was erased.
        """
        CREATE TABLE data_keys (request_id TEXT NOT NULL, event_id TEXT NOT NULL, master_key_id TEXT NOT NULL,
                                wrapped BLOB NOT NULL, PRIMARY KEY (request_id, event_id)) WITHOUT ROWID;
        CREATE TABLE master_keys (id TEXT PRIMARY KEY, check_value BLOB NOT NULL, added_ms INTEGER NOT NULL);
        ALTER TABLE cases ADD COLUMN t_erased INTEGER NOT NULL DEFAULT -9223372036854775808;
        -- The access log: reads are events of the log itself; this finds a request's without a scan.
        CREATE INDEX events_reads ON events (json_extract(payload, '$.request_id')) WHERE type = 'content-read';
        """,
        // 5: each alert event once, whoever fires it (several daemons on one PostgreSQL; on
        // SQLite the same rule, so the two backends refuse the same logs): an escalation by
        // request, deadline, due time and level; a reminder by request, expiry and lead time;
        // an expiry by request and expiry time.
        """
        CREATE UNIQUE INDEX events_escalated_once ON events (request_id, json_extract(payload, '$.deadline'),
            json_extract(payload, '$.due_at'), json_extract(payload, '$.level')) WHERE type = 'escalated';
        CREATE UNIQUE INDEX events_reminded_once ON events (request_id, json_extract(payload, '$.expires_at'),
            json_extract(payload, '$.before')) WHERE type = 'reminded';
        CREATE UNIQUE INDEX events_expired_once ON events (request_id, json_extract(payload, '$.expires_at')) WHERE type = 'expired';
        """,
        // 6: the requests that follow on from one (`extends`, kept in clear), for a request's links;
        // the alerts index adds the other side's actions, which alert the people they concern.
        """
        CREATE INDEX events_follow_ons ON events (json_extract(payload, '$.request.extends')) WHERE type = 'submitted';
        DROP INDEX IF EXISTS events_alerts;
        CREATE INDEX events_alerts ON events (position) WHERE type IN ('escalated', 'reminded', 'expired', 'log-inconsistent',
            'preserved', 'disclosed', 'no-data-reported', 'refused', 'risk-notified', 'traffic-disclosed', 'proceeded', 'extended',
            'mla-linked', 'withdrawn', 'released', 'partner-erased');
        """,
        // 7: each request's offence classification (`offence.convention_articles`, kept in clear) in
        // the projection, as a bit set, for the queue's filter and the counts. Requests stored
        // before it have none, which 0 says.
        """
        ALTER TABLE cases ADD COLUMN articles INTEGER NOT NULL DEFAULT 0;
        """,
    ]

    /// The schema version this build writes.
    public static var schemaVersion: Int { migrations.count }

    @discardableResult
    static func migrate(_ db: SQLiteConnection) throws(StoreError) -> Int {
        let version = Int(try db.scalarText("PRAGMA user_version") ?? "0") ?? 0
        try checkVersion(version, of: db)
        for n in version..<schemaVersion {
            do {
                try db.execute("BEGIN IMMEDIATE; \(migrations[n]) PRAGMA user_version = \(n + 1); COMMIT;")
            } catch {
                try? db.execute("ROLLBACK")
                throw StoreError(code: error.code, "\(db.path): migration to schema \(n + 1) failed: \(error.message)")
            }
        }
        return version
    }

    static func checkVersion(_ version: Int, of db: any SQLConnection) throws(StoreError) {
        guard version <= schemaVersion else {
            throw StoreError("\(db.path) was written by a newer ContactPoint (schema \(version), this one knows \(schemaVersion)); refusing to open it")
        }
    }

    /// The schema version of the store's database, and the version this build would bring it to.
    public func schemaVersions() throws(StoreError) -> (found: Int, current: Int) {
        try onWriter { () throws(StoreError) -> (found: Int, current: Int) in
            let found: Int
            switch writer.dialect {
            case .sqlite: found = Int(try writer.scalarText("PRAGMA user_version") ?? "0") ?? 0
            case .postgresql: found = Int(try writer.scalarText("SELECT max(version) FROM schema_version") ?? "0") ?? 0
            }
            return (found, Self.schemaVersion)
        }
    }

    /// Closes both connections after pending writes finish.
    public func close() {
        writerQueue.sync { writer.close() }
        readerQueue.sync { reader.close() }
    }

    /// Which backend holds the log.
    public var backend: String { writer.dialect == .sqlite ? "sqlite" : "postgresql" }

    /// The writer's counters so far.
    public var statistics: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }
}
