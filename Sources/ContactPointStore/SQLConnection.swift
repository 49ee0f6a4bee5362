/// What the store asks of a database connection, whichever backend holds the log: SQLite
/// (the embedded default, `SQLiteConnection`) or PostgreSQL (`PostgreSQLConnection`). The
/// store's SQL is written once, in the subset both speak (`?` parameters, `ON CONFLICT`
/// upserts, savepoints); what differs is named by `SQLDialect`. A connection is not
/// thread-safe: each belongs to one of the store's queues.
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Where the data lives, for messages: a file path, or a URL without its password.
    var path: String { get }
    /// Whether the connection is still open (not closed by `close`).
    var isOpen: Bool { get }
    /// A prepared statement, cached by its SQL text and reset for reuse.
    func prepare(_ sql: String) throws(StoreError) -> any SQLStatement
    /// Runs one or more statements without parameters that return no rows.
    func execute(_ sql: String) throws(StoreError)
    /// Rows changed by the last statement run.
    var changes: Int { get }
    func close()
}

extension SQLConnection {
    /// The first column of the first row of a query, as text.
    func scalarText(_ sql: String) throws(StoreError) -> String? {
        let s = try prepare(sql)
        defer { s.reset() }
        return try s.step() ? s.text(0) : nil
    }

    /// The first column of the first row of a query, as an integer.
    func scalarInt(_ sql: String) throws(StoreError) -> Int64? {
        let s = try prepare(sql)
        defer { s.reset() }
        return try s.step() ? s.int64(0) : nil
    }
}

/// One prepared statement: bind (1-based), step through the rows, read columns (0-based).
protocol SQLStatement: AnyObject {
    func reset()
    func bind(_ index: Int32, _ text: String?)
    func bind(_ index: Int32, _ value: Int64?)
    /// Binds UTF-8 bytes as text (a canonical JSON payload).
    func bind(_ index: Int32, bytes: [UInt8])
    /// Binds bytes as a BLOB / bytea.
    func bind(_ index: Int32, blob: [UInt8])
    /// Advances; true when a row is available, false when done.
    func step() throws(StoreError) -> Bool
    /// Runs a statement that returns no rows.
    func run() throws(StoreError)
    func text(_ column: Int32) -> String?
    /// A text column's UTF-8 bytes (empty for NULL).
    func bytes(_ column: Int32) -> [UInt8]
    /// A BLOB / bytea column's bytes (empty for NULL).
    func blob(_ column: Int32) -> [UInt8]
    /// An integer column (a boolean reads as 1 or 0).
    func int64(_ column: Int32) -> Int64
    func isNull(_ column: Int32) -> Bool
}

/// The few places where the two backends' SQL differs.
enum SQLDialect: Sendable {
    case sqlite, postgresql

    /// Opens the writer's transaction. SQLite takes its write lock at once; PostgreSQL's
    /// appends are serialized by an advisory lock taken right after (`appendLock`).
    var beginWrite: String { self == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN" }

    /// A read transaction that sees one snapshot across several statements.
    var beginSnapshot: String { self == .sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" }

    /// The request id named by a `content-read` event's payload (the index `events_reads`).
    var readRequestID: String {
        self == .sqlite ? "json_extract(payload, '$.request_id')" : "(payload::jsonb ->> 'request_id')"
    }

    /// The earlier request a `submitted` event's request `extends` (the index `events_follow_ons`).
    var submittedExtends: String {
        self == .sqlite ? "json_extract(payload, '$.request.extends')" : "(payload::jsonb -> 'request' ->> 'extends')"
    }
}
