import CSQLite
import Foundation

/// A failure from the database (SQLite, PostgreSQL) or from the store's own checks, in one line.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// SQLite's primary result code (`SQLITE_CONSTRAINT` = 19, ...; PostgreSQL's integrity
    /// violations map to 19 too), a negative code of the store's below, or 0 for its own errors.
    public var code: Int32
    public var message: String

    public init(code: Int32 = 0, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The code of a store whose log lacks events its tree or checkpoints account for.
    public static let truncated: Int32 = -2

    /// The code of a database that cannot be reached now (PostgreSQL down, restarting, or
    /// the session lost): nothing was written; try again shortly (HTTP 503 with Retry-After).
    public static let unavailable: Int32 = -3

    public var isUnavailable: Bool { code == Self.unavailable }

    /// The code of a leader's write refused because its leadership lock is no longer held.
    public static let notLeader: Int32 = -4

    /// The code of a COMMIT whose answer never came (the database went away while
    /// committing): the writes may or may not be durable.
    public static let commitUnknown: Int32 = -5

    public var isConstraint: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

/// One SQLite connection. Not thread-safe: each owner uses it from one queue only
/// (the store's writer queue, or a reader's lock).
final class SQLiteConnection: SQLConnection {
    private(set) var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]
    let path: String

    init(path: String, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        let flags = readOnly
            ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(code: rc, "cannot open the event store \(path): \(msg)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5_000)
    }

    deinit { close() }

    var dialect: SQLDialect { .sqlite }
    var isOpen: Bool { handle != nil }
    var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    func close() {
        cache.values.forEach { $0.finalize() }
        cache.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    var lastError: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    /// Copies the WAL into the database and truncates it to zero bytes, waiting at most
    /// `milliseconds` for readers to leave it. True if it did; false if a reader held it.
    func checkpointTruncate(waitingAtMost milliseconds: Int32) -> Bool {
        guard let handle else { return false }
        sqlite3_busy_timeout(handle, milliseconds)
        defer { sqlite3_busy_timeout(handle, 5_000) }
        var logFrames: Int32 = 0, checkpointed: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        return rc == SQLITE_OK
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        // One statement (BEGIN, SAVEPOINT, RELEASE, COMMIT: several per commit) runs from the
        // statement cache instead of being parsed again each time; scripts go through sqlite3_exec.
        if !sql.utf8.contains(UInt8(ascii: ";")) {
            let statement = try prepare(sql)
            do { try statement.run() } catch { statement.reset(); throw StoreError(code: error.code, "\(error.message) (in: \(sql.prefix(60)))") }
            return
        }
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw StoreError(code: rc, "\(msg) (in: \(sql.prefix(60)))")
        }
    }

    /// A prepared statement, cached by its SQL text and reset for reuse.
    func prepare(_ sql: String) throws(StoreError) -> any SQLStatement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw StoreError(code: rc, "\(lastError) (in: \(sql.prefix(60)))") }
        let s = SQLiteStatement(stmt, connection: self)
        cache[sql] = s
        return s
    }
}

/// A prepared statement; lives in its connection's cache.
final class SQLiteStatement: SQLStatement {
    private var stmt: OpaquePointer?
    private unowned let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    func finalize() {
        sqlite3_finalize(stmt)
        stmt = nil
    }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func bind(_ index: Int32, _ text: String?) {
        guard let text else { sqlite3_bind_null(stmt, index); return }
        var t = text
        t.withUTF8 { buf in
            _ = buf.withMemoryRebound(to: CChar.self) { csqlite_bind_text(stmt, index, $0.baseAddress, Int32(buf.count)) }
        }
    }

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else { sqlite3_bind_null(stmt, index); return }
        sqlite3_bind_int64(stmt, index, value)
    }

    func bind(_ index: Int32, bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buf in
            _ = csqlite_bind_text(stmt, index, UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buf.count))
        }
    }

    /// Binds bytes as a BLOB (SQLite copies them).
    func bind(_ index: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { buf in
            _ = csqlite_bind_blob(stmt, index, buf.baseAddress, Int32(buf.count))
        }
    }

    /// A BLOB column's bytes (empty for NULL).
    func blob(_ column: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, column))
        guard n > 0, let p = sqlite3_column_blob(stmt, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    /// Advances; true when a row is available, false when done.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError(code: rc, connection.lastError)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        _ = try step()
        sqlite3_reset(stmt)
    }

    func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, column) else { return nil }
        let n = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    func bytes(_ column: Int32) -> [UInt8] {
        guard let p = sqlite3_column_text(stmt, column) else { return [] }
        let n = Int(sqlite3_column_bytes(stmt, column))
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }
}
