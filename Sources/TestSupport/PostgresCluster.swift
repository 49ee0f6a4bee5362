import Foundation

/// A throwaway PostgreSQL cluster (Debian's `postgresql`), made by `initdb` in a temporary
/// folder and served by `pg_ctl` on a free loopback port, for tests and benchmarks of the
/// PostgreSQL backend. Logins over TCP need the password (SCRAM), which the daemon reads
/// from `passwordFile`. The server runs as the `postgres` user when the tests run as root
/// (PostgreSQL refuses root), and is stopped by its PID when the object goes away.
public final class PostgresCluster: @unchecked Sendable {  // used from one test thread at a time
    public let folder: TemporaryDirectory
    public let port: Int
    public let user = "contactpoint"
    public let database = "contactpoint"
    public let password: String
    /// The file holding the password (one line), for `store.postgresql.password_file`.
    public var passwordFile: String { folder.path("password") }
    public var dataPath: String { folder.path("pgdata") }
    public var logPath: String { folder.path("postgres.log") }
    /// `postgresql://contactpoint@127.0.0.1:PORT/contactpoint?sslmode=disable`
    public var url: String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// The PostgreSQL server binaries: `CONTACTPOINT_PG_BIN`, or Debian's newest under /usr/lib/postgresql.
    public static func binaries() throws -> String {
        if let dir = ProcessInfo.processInfo.environment["CONTACTPOINT_PG_BIN"] { return dir }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last else {
            throw ClusterFailed(message: "no PostgreSQL server under \(root): install Debian's postgresql (Scripts/install-deps.sh)")
        }
        return "\(root)/\(newest)/bin"
    }

    /// Whether a server can be made here (the tests that need one say why they skip).
    public static var isAvailable: Bool { (try? binaries()).map { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") } ?? false }

    /// The backend the end-to-end suite runs its daemons on: `CONTACTPOINT_TEST_STORE`
    /// (`sqlite`, the default, or `postgresql`; `Scripts/test.sh` runs the suite on both).
    public static var suiteBackend: String { ProcessInfo.processInfo.environment["CONTACTPOINT_TEST_STORE"] ?? "sqlite" }

    nonisolated(unsafe) private static var shared: PostgresCluster?
    private static let sharedLock = NSLock()

    /// The test process's one cluster for the suite's daemons, made at first use and stopped
    /// when the process exits.
    public static func suite() throws -> PostgresCluster {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let shared { return shared }
        let made = try PostgresCluster(name: "suite")
        shared = made
        atexit { PostgresCluster.shared?.stop() }
        return made
    }

    private var databases: Set<String> = []

    /// Creates `name` once (later calls do nothing).
    public func createDatabase(_ name: String) throws {
        guard databases.insert(name).inserted else { return }
        try psql("CREATE DATABASE \(name)", database: "postgres")
    }

    /// Makes the cluster and its database, and starts the server.
    public init(name: String = "pg") throws {
        folder = try TemporaryDirectory(prefix: "contactpoint-\(name)")
        port = FreePort.next()
        password = (0..<24).map { _ in "abcdefghijkmnpqrstuvwxyz23456789".randomElement()! }.map(String.init).joined()
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let bin = try Self.binaries()
        let asRoot = getuid() == 0
        if asRoot {
            // The server's user must reach its folder and read the password once.
            chmod(folder.path, 0o711)
            try FileManager.default.createDirectory(atPath: dataPath, withIntermediateDirectories: false)
            try Self.run(["chown", "postgres:postgres", dataPath])
            try Self.run(["chown", "postgres", passwordFile])
        }
        try Self.run(asUser(asRoot, [bin + "/initdb", "-D", dataPath, "-U", user, "-E", "UTF8", "--no-sync",
                                     "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile]))
        if asRoot { try Self.run(["chown", "root", passwordFile]) }
        chmod(passwordFile, 0o600)
        try start()
        try psql("CREATE DATABASE \(database)", database: "postgres")
    }

    deinit { stop() }

    private func asUser(_ asRoot: Bool, _ command: [String]) -> [String] {
        asRoot ? ["runuser", "-u", "postgres", "--"] + command : command
    }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        let bin = try Self.binaries()
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories='\(dataPath)' -c fsync=on"
        if getuid() == 0 { FileManager.default.createFile(atPath: logPath, contents: nil); try Self.run(["chown", "postgres", logPath]) }
        try Self.run(asUser(getuid() == 0, [bin + "/pg_ctl", "-D", dataPath, "-l", logPath, "-o", options, "-w", "-t", "60", "start"]))
    }

    /// The postmaster's PID, from `postmaster.pid`, while it runs.
    public var pid: pid_t? {
        guard let text = try? String(contentsOfFile: dataPath + "/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first), kill(pid, 0) == 0 else { return nil }
        return pid
    }

    /// Stops the server by its PID: a fast shutdown (SIGINT), or an immediate one (SIGQUIT,
    /// like a crash: the next start recovers from the WAL), and waits until it has gone.
    @discardableResult
    public func stop(immediately: Bool = false, timeout: TimeInterval = 60) -> Bool {
        guard let pid, let bin = try? Self.binaries() else { return true }
        // pg_ctl signals the postmaster's PID (from postmaster.pid) and waits until it is gone.
        let command = asUser(getuid() == 0, [bin + "/pg_ctl", "-D", dataPath, "-m", immediately ? "immediate" : "fast",
                                             "-w", "-t", String(Int(timeout)), "stop"])
        if (try? Self.run(command)) != nil { return true }
        kill(pid, SIGKILL)
        return false
    }

    /// Runs SQL through `psql` over the server's socket, as the cluster's owner.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        let bin = try Self.binaries()
        let out = try Subprocess.run(bin + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dataPath,
                                                    "-p", String(port), "-U", user, "-d", database ?? self.database, "-c", sql],
                                     environment: Self.realClock)
        guard out.status == 0 else { throw ClusterFailed(message: "psql \(sql.prefix(80)): \(out)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server and its tools run on the real clock, even when the suite runs under
    /// libfaketime (Scripts/test-faketime.sh): the daemons decide every time, not the database.
    static let realClock = ["LD_PRELOAD": "", "FAKETIME": ""]

    private static func run(_ command: [String]) throws {
        let out = try Subprocess.run(command[0], Array(command.dropFirst()), environment: realClock, timeout: 120)
        guard out.status == 0 else { throw ClusterFailed(message: "\(command.joined(separator: " ")): \(out)") }
    }

    public struct ClusterFailed: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
