import CPostgres
import Foundation

/// Where a PostgreSQL store lives and how to log in (`store: {postgresql: {...}}` in pocd.yaml).
public struct PostgreSQLSettings: Sendable, Equatable {
    /// `postgresql://USER@HOST:PORT/DB?sslmode=...`, without a password.
    public var url: String
    /// The password, read from `password_file` by the caller, or nil to leave it to libpq
    /// (`PGPASSWORD`, `~/.pgpass`, a client certificate, or none).
    public var password: String?
    /// How long leadership survives a silent leader (docs/operations.md).
    public var lease: Duration

    public init(url: String, password: String? = nil, lease: Duration = .seconds(10)) {
        self.url = url
        self.password = password
        self.lease = lease
    }

    /// The URL as shown in messages and logs: a password in it (pocd.yaml refuses one, a
    /// caller of the library might not) is replaced by `***`.
    public var redactedURL: String {
        var shown = url
        if let scheme = shown.range(of: "://") {
            let rest = shown[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                shown.replaceSubrange(rest.index(after: colon)..<at, with: "***")
            }
        }
        if let p = shown.range(of: "password=") {
            let end = shown[p.upperBound...].firstIndex(of: "&") ?? shown.endIndex
            shown.replaceSubrange(p.upperBound..<end, with: "***")
        }
        return shown
    }
}

/// One libpq connection, run blocking on the queue that owns it (the store's writer or
/// reader queue). Statements are prepared server-side once per session; results are read
/// whole (`PQexecPrepared`), so statements on one connection may interleave, and the
/// store's scans page through large tables by key.
///
/// A lost connection is reset at the next statement outside a transaction; inside one it
/// fails with `StoreError.unavailable` until the caller's ROLLBACK, so a statement is never
/// run on a fresh session as if it belonged to the transaction the server dropped.
final class PostgreSQLConnection: SQLConnection {
    private var conn: OpaquePointer?
    private var cache: [String: PostgreSQLStatement] = [:]
    private var statementCount = 0
    /// Bumped at every new session: statements prepared in an older one are prepared again.
    private(set) var session = 0
    private var inTransaction = false
    /// Transactions opened inside the one in progress (`BEGIN` while in a transaction): they
    /// join it, and only the outermost `COMMIT` commits. So a scan that opens its own read
    /// snapshot runs inside a caller's longer one (`pocd audit verify` on a live pair).
    private var nested = 0
    private(set) var changes = 0
    let path: String
    private let settings: PostgreSQLSettings
    private let readOnly: Bool
    private let applicationName: String
    /// Milliseconds libpq waits for the server to acknowledge data before giving up the session.
    private let userTimeout: Int
    /// Statements run at the start of every session, after the store's own.
    private let sessionSetup: String

    var dialect: SQLDialect { .postgresql }
    var isOpen: Bool { conn != nil }

    init(_ settings: PostgreSQLSettings, readOnly: Bool = false, applicationName: String = "pocd",
         userTimeout: Int = 10_000, sessionSetup: String = "") throws(StoreError) {
        self.settings = settings
        self.readOnly = readOnly
        self.applicationName = applicationName
        self.userTimeout = userTimeout
        self.sessionSetup = sessionSetup
        path = settings.redactedURL
        try connect()
    }

    deinit { close() }

    func close() {
        cache.removeAll()
        if let conn { PQfinish(conn) }
        conn = nil
    }

    /// Opens a session: keepalives and a user timeout so a vanished server is noticed in
    /// seconds, not at the kernel's default of hours; commits acknowledged only once durable.
    private func connect() throws(StoreError) {
        if let conn { PQfinish(conn) }
        conn = nil
        var keywords = ["dbname", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "application_name", "client_encoding"]
        var values = [settings.url, "5", "1", "5", "2", "2", String(userTimeout), applicationName, "UTF8"]
        // GSS encryption off unless the URL asks for it: libpq's default ("prefer") initialises
        // Kerberos at every connect, and a process that exits while a thread is in that code
        // aborts in krb5's thread-key destructors (seen when pocd refused a port in use).
        if !settings.url.contains("gssencmode") {
            keywords.append("gssencmode")
            values.append("disable")
        }
        if let password = settings.password {
            keywords.append("password")
            values.append(password)
        }
        let c = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let c else { throw StoreError(code: StoreError.unavailable, "cannot reach PostgreSQL at \(path): out of memory") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = Self.oneLine(PQerrorMessage(c))
            PQfinish(c)
            throw StoreError(code: StoreError.unavailable, "cannot reach PostgreSQL at \(path): \(message)")
        }
        // Notices ("already exists, skipping") are the server talking to a person at psql; drop them.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
        conn = c
        session += 1
        inTransaction = false
        nested = 0
        try setUpSession()
    }

    /// The session, reconnected if it was lost and no transaction spans the loss.
    func live() throws(StoreError) -> OpaquePointer {
        if let conn, PQstatus(conn) == CONNECTION_OK { return conn }
        guard !inTransaction else {
            throw StoreError(code: StoreError.unavailable, "the connection to PostgreSQL at \(path) was lost in a transaction")
        }
        PQreset(conn)
        if let conn, PQstatus(conn) == CONNECTION_OK {
            session += 1
            try setUpSession()
            return conn
        }
        try connect()
        return conn!
    }

    /// Durable before acknowledged, whatever the server's default; the reader never writes.
    private func setUpSession() throws(StoreError) {
        try execute("SET synchronous_commit = on; SET default_transaction_read_only = \(readOnly ? "on" : "off")"
                    + (sessionSetup.isEmpty ? "" : "; " + sessionSetup))
    }

    func execute(_ sql: String) throws(StoreError) {
        let head = sql.prefix(12).uppercased()
        let ends = head.hasPrefix("COMMIT") || head.hasPrefix("ROLLBACK") && !head.hasPrefix("ROLLBACK TO")
        if head.hasPrefix("BEGIN"), inTransaction {
            nested += 1
            return
        }
        if ends, nested > 0 {
            nested -= 1
            guard head.hasPrefix("ROLLBACK") else { return }
            nested = 0  // an inner failure ends the whole transaction: its work is not to be committed
        }
        if ends, inTransaction, let conn, PQstatus(conn) != CONNECTION_OK {
            inTransaction = false  // the server ended it when the session went
            nested = 0
            if head.hasPrefix("ROLLBACK") { return }
            throw StoreError(code: StoreError.unavailable, "the connection to PostgreSQL at \(path) was lost before COMMIT")
        }
        let c = try live()
        let result = PQexec(c, sql)
        defer { PQclear(result) }
        if head.hasPrefix("BEGIN") { inTransaction = true }
        if ends { inTransaction = false; nested = 0 }
        try check(result, sql: sql)
        changes = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func prepare(_ sql: String) throws(StoreError) -> any SQLStatement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        statementCount += 1
        let (text, count) = Self.numberedParameters(sql)
        let s = PostgreSQLStatement(name: "cp\(statementCount)", sql: text, parameterCount: count, connection: self)
        cache[sql] = s
        return s
    }

    /// Runs a prepared statement, preparing it first in this session if needed. A read-only
    /// session whose server went away is opened again and the statement run once more: a
    /// read cannot have half-happened; a write never is, its caller's transaction failed.
    func run(_ statement: PostgreSQLStatement, values: [[UInt8]?], binary: [Bool]) throws(StoreError) -> OpaquePointer {
        do {
            return try runOnce(statement, values: values, binary: binary)
        } catch where error.isUnavailable && readOnly && !inTransaction {
            return try runOnce(statement, values: values, binary: binary)
        }
    }

    private func runOnce(_ statement: PostgreSQLStatement, values: [[UInt8]?], binary: [Bool]) throws(StoreError) -> OpaquePointer {
        let c = try live()
        if statement.preparedIn != session {
            let prepared = PQprepare(c, statement.name, statement.sql, 0, nil)
            defer { PQclear(prepared) }
            try check(prepared, sql: statement.sql)
            statement.preparedIn = session
        }
        let n = Int32(values.count)
        let lengths = values.map { Int32($0?.count ?? 0) }
        let formats = binary.map { Int32($0 ? 1 : 0) }
        let result: OpaquePointer? = withParameterPointers(values) { pointers in
            PQexecPrepared(c, statement.name, n, pointers, lengths, formats, 0)
        }
        do { try check(result, sql: statement.sql) } catch {
            PQclear(result)
            throw error
        }
        changes = Int(String(cString: PQcmdTuples(result))) ?? 0
        return result!
    }

    /// Throws the server's error, as one line, with its SQLSTATE class mapped to the codes the
    /// store acts on: integrity violations (class 23) as a constraint, a lost session as unavailable.
    private func check(_ result: OpaquePointer?, sql: String) throws(StoreError) {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        let message = result.flatMap { r -> String? in
            let m = Self.oneLine(PQresultErrorMessage(r))
            return m.isEmpty ? nil : m
        } ?? conn.map { Self.oneLine(PQerrorMessage($0)) } ?? "no connection"
        let lost = conn.map { PQstatus($0) != CONNECTION_OK } ?? true
        let code: Int32
        if lost || state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" {
            // A COMMIT sent but not answered may have been made durable all the same.
            code = sql.uppercased().hasPrefix("COMMIT") ? StoreError.commitUnknown : StoreError.unavailable
        } else if state.hasPrefix("23") {
            code = 19  // SQLITE_CONSTRAINT: the store's one name for "the data refused this row"
        } else {
            code = 1
        }
        throw StoreError(code: code, "\(message)\(state.isEmpty ? "" : " [\(state)]") (in: \(sql.prefix(60)))")
    }

    static func oneLine(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    /// SQLite's `?` and `?N` parameters as PostgreSQL's `$N`, outside quoted text.
    static func numberedParameters(_ sql: String) -> (String, Int) {
        var out = ""
        var next = 0, highest = 0
        var quote: Character?
        var chars = sql.makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? chars.next() {
            pending = nil
            if let q = quote {
                out.append(ch)
                if ch == q { quote = nil }
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
                continue
            }
            guard ch == "?" else { out.append(ch); continue }
            var digits = ""
            while let d = chars.next() {
                if d.isASCII, d.isNumber { digits.append(d) } else { pending = d; break }
            }
            let n = Int(digits) ?? (next + 1)
            next = max(next, n)
            highest = max(highest, n)
            out += "$\(n)"
        }
        return (out, highest)
    }
}

/// A statement prepared on a PostgreSQL session; its result is read row by row from memory.
final class PostgreSQLStatement: SQLStatement {
    let name: String
    let sql: String
    var preparedIn = 0
    private unowned let connection: PostgreSQLConnection
    private var values: [[UInt8]?]
    private var binary: [Bool]
    private var result: OpaquePointer?
    private var row: Int32 = -1
    private var rows: Int32 = 0

    init(name: String, sql: String, parameterCount: Int, connection: PostgreSQLConnection) {
        self.name = name
        self.sql = sql
        self.connection = connection
        values = Array(repeating: nil, count: parameterCount)
        binary = Array(repeating: false, count: parameterCount)
    }

    deinit { PQclear(result) }

    func reset() {
        PQclear(result)
        result = nil
        row = -1
        rows = 0
        for i in values.indices { values[i] = nil; binary[i] = false }
    }

    private func set(_ index: Int32, _ bytes: [UInt8]?, binary isBinary: Bool) {
        let i = Int(index) - 1
        guard values.indices.contains(i) else { return }
        values[i] = bytes
        binary[i] = isBinary
    }

    /// Text parameters travel NUL-terminated; libpq reads them as C strings.
    func bind(_ index: Int32, _ text: String?) { set(index, text.map { Array($0.utf8) + [0] }, binary: false) }
    func bind(_ index: Int32, _ value: Int64?) { set(index, value.map { Array(String($0).utf8) + [0] }, binary: false) }
    func bind(_ index: Int32, bytes: [UInt8]) { set(index, bytes + [0], binary: false) }
    func bind(_ index: Int32, blob: [UInt8]) { set(index, blob, binary: true) }

    func step() throws(StoreError) -> Bool {
        if result == nil {
            result = try connection.run(self, values: values, binary: binary)
            rows = PQntuples(result)
            row = -1
        }
        row += 1
        return row < rows
    }

    func run() throws(StoreError) {
        _ = try step()
        reset()
    }

    private func value(_ column: Int32) -> UnsafeMutablePointer<CChar>? {
        guard let result, row >= 0, row < rows, PQgetisnull(result, row, column) == 0 else { return nil }
        return PQgetvalue(result, row, column)
    }

    func text(_ column: Int32) -> String? { value(column).map { String(cString: $0) } }

    func bytes(_ column: Int32) -> [UInt8] {
        guard let p = value(column) else { return [] }
        let n = Int(PQgetlength(result, row, column))
        return p.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
    }

    /// bytea arrives in text form as `\x` and hex digits.
    func blob(_ column: Int32) -> [UInt8] {
        let text = bytes(column)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x") else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity((text.count - 2) / 2)
        var i = 2
        while i + 1 < text.count {
            guard let high = Self.hex(text[i]), let low = Self.hex(text[i + 1]) else { return [] }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    func int64(_ column: Int32) -> Int64 {
        guard let p = value(column) else { return 0 }
        switch p.pointee {
        case CChar(UInt8(ascii: "t")): return 1
        case CChar(UInt8(ascii: "f")): return 0
        default: return strtoll(p, nil, 10)
        }
    }

    func isNull(_ column: Int32) -> Bool {
        guard let result, row >= 0, row < rows else { return true }
        return PQgetisnull(result, row, column) != 0
    }
}

/// Calls `body` with the strings as a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Calls `body` with a pointer per parameter value (NULL for SQL NULL).
private func withParameterPointers<R>(_ values: [[UInt8]?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    var arena: [UInt8] = []
    var offsets: [Int?] = []
    for value in values {
        if let value {
            offsets.append(arena.count)
            arena += value
        } else {
            offsets.append(nil)
        }
    }
    arena.append(0)
    return arena.withUnsafeBufferPointer { buf in
        let base = UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self)
        let pointers: [UnsafePointer<CChar>?] = offsets.map { $0.map { base + $0 } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
