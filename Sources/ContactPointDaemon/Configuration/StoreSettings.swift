import ContactPointModel
import ContactPointStore
import Foundation

/// `store:` in pocd.yaml: where the event log lives.
///
/// ```yaml
/// store: {sqlite: {path: events.sqlite}}          # the default: data_dir/events.sqlite
/// store:
///   postgresql:
///     url: "postgresql://pocd@db.example:5432/contactpoint?sslmode=verify-full"
///     password_file: /etc/contactpoint/db-password   # or PGPASSWORD / ~/.pgpass; never in this file
///     lease: 10s
/// ```
public enum StoreSettings: Sendable, Equatable, CustomStringConvertible {
    case sqlite(file: String)
    case postgresql(url: String, passwordFile: String?, lease: PolicyDuration)

    public static let defaultLease = PolicyDuration.seconds(10)

    public var description: String {
        switch self {
        case .sqlite(let file): return "sqlite \(file)"
        case .postgresql(let url, let passwordFile, let lease):
            return "postgresql \(url)" + (passwordFile.map { " password_file=\($0)" } ?? "") + " lease=\(lease)"
        }
    }

    public var isPostgreSQL: Bool { if case .postgresql = self { return true } else { return false } }

    static func load(_ r: YAMLReader, dataDirectory: String, resolve: (String) -> String) -> StoreSettings {
        let defaultFile = (dataDirectory as NSString).appendingPathComponent("events.sqlite")
        guard let s = r.mapping("store", required: false) else { return .sqlite(file: defaultFile) }
        s.refuseUnknown(allowing: ["sqlite", "postgresql"])
        let sqlite = s.mapping("sqlite", required: false)
        let postgresql = s.mapping("postgresql", required: false)
        switch (sqlite, postgresql) {
        case (.some, .some):
            s.problem("postgresql", "name one backend, sqlite or postgresql, not both")
            return .sqlite(file: defaultFile)
        case (nil, nil):
            s.problem("sqlite", "name a backend: {sqlite: {path: FILE}} or {postgresql: {url: URL}}")
            return .sqlite(file: defaultFile)
        case (let q?, nil):
            q.refuseUnknown(allowing: ["path"])
            return .sqlite(file: q.string("path", required: false).map(resolve) ?? defaultFile)
        case (nil, let p?):
            p.refuseUnknown(allowing: ["url", "password_file", "lease"])
            let url = p.string("url", required: true) ?? ""
            if !url.isEmpty, let problem = Self.urlProblem(url) { p.problem("url", problem) }
            let passwordFile = p.string("password_file", required: false).map(resolve)
            var lease = defaultLease
            if let d = p.duration("lease", required: false) {
                if d.seconds >= 2 && d.seconds <= 300 { lease = d } else { p.problem("lease", "must be from 2s to 5m, not \(d)") }
            }
            return .postgresql(url: url, passwordFile: passwordFile, lease: lease)
        }
    }

    /// Why a PostgreSQL URL is refused, if it is: not a `postgresql://` URL, or one that
    /// carries a password (it belongs in `password_file` or the environment).
    static func urlProblem(_ url: String) -> String? {
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            return "must be a URL postgresql://USER@HOST:PORT/DB?sslmode=..., not \"\(url.prefix(40))\""
        }
        let rest = url.drop { $0 != "/" }.dropFirst(2)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            return "must not carry a password: put it in password_file (mode 0600) or PGPASSWORD, never in pocd.yaml"
        }
        if url.contains("password=") {
            return "must not carry a password: put it in password_file (mode 0600) or PGPASSWORD, never in pocd.yaml"
        }
        return nil
    }

    /// Opens the event store these settings name. The password file must be private to the
    /// daemon's user (like the TLS key); a missing or readable-by-others file is refused.
    public func open(clock: Clock) throws -> EventStore {
        switch self {
        case .sqlite(let file):
            return try EventStore(file: file, clock: clock)
        case .postgresql(let url, let passwordFile, let lease):
            var password: String?
            if let passwordFile {
                if let problem = SecretFile.problem(passwordFile, what: "store.postgresql.password_file") { throw StartupError(problem) }
                do {
                    password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw StartupError("store.postgresql.password_file \(passwordFile): cannot read: \(DaemonConfiguration.reason(error))")
                }
            }
            return try EventStore(postgresql: PostgreSQLSettings(url: url, password: password, lease: .seconds(lease.seconds)),
                                  clock: clock)
        }
    }
}
