import Foundation

/// A real `pocd` on a loopback port, with its own config, directory, policy and data
/// directory in a temporary folder, for end-to-end tests.
///
/// The first start listens on port 0 and reads the port the daemon chose from its log;
/// later starts (after `stop()` or `kill9()`) reuse that port, so clients keep their URL.
public final class PocdProcess: @unchecked Sendable {  // used from one test thread at a time
    public let name: String
    public let pki: TestPKI
    public let folder: TemporaryDirectory
    public let serverIdentity: String
    public let contactPoints: [String]
    public private(set) var port = 0
    public private(set) var process: ChildProcess?
    private var starts = 0

    /// The daemon's config file.
    public var configPath: String { folder.path("pocd.yaml") }
    public var directoryPath: String { folder.path("directory.yaml") }
    public var policyPath: String { folder.path("policy.yaml") }
    public var dataPath: String { folder.path("data") }
    public var logPath: String { folder.path("pocd.log") }
    /// `https://127.0.0.1:PORT`
    public var url: String { "https://127.0.0.1:\(port)" }

    /// Writes the config files; call `start()` to run it.
    /// - Parameters:
    ///   - serverIdentity: the PKI server name whose certificate the daemon presents.
    ///   - extraConfig: YAML appended to pocd.yaml (limits, alerts, metrics).
    ///   - port: a fixed port (partners must know it before it starts), or 0 to let the daemon choose.
    public init(name: String, pki: TestPKI, serverIdentity: String, contactPoints: [String], directory: String,
                policy: String = PocdProcess.secondsPolicy, extraConfig: String = "", port: Int = 0) throws {
        self.name = name
        self.pki = pki
        self.serverIdentity = serverIdentity
        self.contactPoints = contactPoints
        folder = try TemporaryDirectory(prefix: "contactpoint-\(name)")
        self.extraConfig = extraConfig
        try directory.write(toFile: directoryPath, atomically: true, encoding: .utf8)
        try policy.write(toFile: policyPath, atomically: true, encoding: .utf8)
        self.port = port
        try writeConfig(port: port, extra: extraConfig)
    }

    private var extraConfig: String

    /// The YAML appended to pocd.yaml now.
    public func readExtraConfig() -> String { extraConfig }

    /// Replaces the YAML appended to pocd.yaml (kept across restarts); the daemon reads it at its next start.
    public func writeExtraConfig(_ extra: String) throws {
        extraConfig = extra
        try writeConfig(port: port, extra: extra)
    }

    /// The database of this daemon when the suite runs on PostgreSQL (`CONTACTPOINT_TEST_STORE=postgresql`):
    /// one per daemon, on the test process's one throwaway cluster, kept across restarts.
    private lazy var postgresDatabase: String? = {
        guard PostgresCluster.suiteBackend == "postgresql" else { return nil }
        return "pocd_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }()

    /// Whether this daemon's store is PostgreSQL (the suite's backend, or its own `store:`).
    public var onPostgreSQL: Bool { postgresDatabase != nil || extraConfig.contains("postgresql:") }

    /// Runs a query on the daemon's store, whichever backend holds it (the sqlite3 CLI on the
    /// file, or psql on its database), and returns the output, trimmed.
    public func sql(_ query: String) throws -> String {
        if let db = postgresDatabase, !extraConfig.contains("store:") {
            return try PostgresCluster.suite().psql(query, database: db)
        }
        let out = try Subprocess.run("sqlite3", [dataPath + "/events.sqlite", query])
        guard out.status == 0 else { throw DaemonFailed(message: "sqlite3 \(query): \(out)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `store:` for the suite's backend, unless the test names its own.
    private func storeConfig(extra: String) throws -> String {
        guard let db = postgresDatabase, !extra.contains("store:") else { return "" }
        let cluster = try PostgresCluster.suite()
        try cluster.createDatabase(db)
        return """
            store:
              postgresql:
                url: "postgresql://\(cluster.user)@127.0.0.1:\(cluster.port)/\(db)?sslmode=disable"
                password_file: \(cluster.passwordFile)
            """
    }

    private func writeConfig(port: Int, extra: String) throws {
        let store = try storeConfig(extra: extra)
        let text = """
            contact_point: [\(contactPoints.joined(separator: ", "))]
            listen: "127.0.0.1:\(port)"
            tls:
              certificate: \(pki.certificate(serverIdentity))
              private_key: \(pki.privateKey(serverIdentity))
              client_ca: \(pki.caCert)
              min_version: "1.3"
            data_dir: data
            directory: directory.yaml
            policy: policy.yaml
            \(store)
            \(extra)
            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Replaces the policy file (then `reload()` to make the daemon read it).
    public func writePolicy(_ yaml: String) throws { try yaml.write(toFile: policyPath, atomically: true, encoding: .utf8) }

    /// Replaces the directory file.
    public func writeDirectory(_ yaml: String) throws { try yaml.write(toFile: directoryPath, atomically: true, encoding: .utf8) }

    /// Starts the daemon and waits until it serves (or fails with its log).
    public func start(timeout: TimeInterval = 60) throws {
        if port != 0 { try writeConfig(port: port, extra: extraConfig) }
        // Each start appends to the log; this start's lines begin at the current end.
        let offset = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? UInt64) ?? 0
        var environment = ProcessInfo.processInfo.environment.merging(["POCD_LOG_LEVEL": "debug"]) { $1 }
        if usesTestClock { environment["POCD_TEST_CLOCK_OFFSET_FILE"] = clockPath }
        let p = try ChildProcess.spawn(BuiltProducts.executable("pocd"), ["--config", configPath],
                                       environment: environment,
                                       standardInput: .nullDevice, standardOutput: .file(logPath), standardError: .file(logPath))
        process = p
        starts += 1
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = readLog(from: offset)
            if let range = text.range(of: "listen=127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let p = Int(digits), text.contains("pocd serving") {
                    port = p
                    return
                }
            }
            if !p.isRunning {
                throw DaemonFailed(message: "pocd \(name) exited with \(p.terminationStatus):\n\(text)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DaemonFailed(message: "pocd \(name) did not start within \(timeout)s:\n\(readLog(from: offset))")
    }

    /// The daemon's log, from the start (or from a byte offset).
    public func readLog(from offset: UInt64 = 0) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "" }
        return String(decoding: data.dropFirst(Int(offset)), as: UTF8.self)
    }

    /// The running daemon's process id (nil when it is not running).
    public var pid: Int32? {
        guard let p = process, p.isRunning else { return nil }
        return p.pid
    }

    // MARK: - The daemon's test clock

    /// Whether the daemon runs on its test clock (docs/operations.md, "The test clock"): the
    /// wall clock plus an offset this object owns, so a test moves the daemon through hours
    /// of deadlines in seconds and checks that something fired once after the next step's
    /// time has passed, instead of sleeping. Set before `start()`.
    public var usesTestClock = false {
        didSet { if usesTestClock { try? writeClockOffset() } }
    }

    /// How far ahead of the wall clock the daemon's clock is, in seconds.
    public private(set) var clockOffset: TimeInterval = 0

    /// The file holding the offset in milliseconds.
    public var clockPath: String { folder.path("clock-offset") }

    /// Moves the daemon's clock forward by `seconds` (the file now, the daemon at once if it
    /// runs: SIGUSR1 makes it fire whatever the new time makes due). Time only moves forward.
    public func advanceClock(by seconds: TimeInterval) throws {
        precondition(usesTestClock, "set usesTestClock before start()")
        precondition(seconds >= 0, "the test clock only moves forward")
        clockOffset += seconds
        try writeClockOffset()
        if let p = process, p.isRunning { p.send(SIGUSR1) }
    }

    private func writeClockOffset() throws {
        try "\(Int64((clockOffset * 1000).rounded()))\n".write(toFile: clockPath, atomically: true, encoding: .utf8)
    }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    public func stop(timeout: TimeInterval = 30) -> Int32 {
        guard let p = process, p.isRunning else { return process?.terminationStatus ?? 0 }
        p.send(SIGTERM)
        if !p.wait(timeout: timeout) { p.send(SIGKILL) }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// SIGKILL: the crash the store must survive.
    public func kill9() {
        guard let p = process, p.isRunning else { return }
        p.send(SIGKILL)
        p.waitUntilExit()
    }

    /// SIGHUP: reload the directory and the policy.
    public func reload() {
        process?.send(SIGHUP)
    }

    /// Runs `pocd` with other arguments against this daemon's config (check-config, audit verify).
    public func pocd(_ arguments: [String]) throws -> ProcessOutput {
        try Subprocess.run(BuiltProducts.executable("pocd"), arguments.map { $0 == "CONFIG" ? configPath : $0 })
    }

    /// `curl` with a client certificate of the test PKI (nil: none). Adds `-s -w '\n%{http_code}'`.
    public func curl(_ identity: String?, _ method: String, _ path: String, json: String? = nil,
                     extra: [String] = []) throws -> (status: Int, body: String) {
        var args = ["-s", "--cacert", pki.caCert, "-X", method, "-w", "\n%{http_code}", "--max-time", "30"]
        if let identity { args += ["--cert", pki.certificate(identity), "--key", pki.privateKey(identity)] }
        if json != nil { args += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
        args += extra + [url + path]
        let out = try Subprocess.run("curl", args, input: json.map { Array($0.utf8) })
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        return (status, lines.dropLast().joined(separator: "\n"))
    }

    /// `poc` as the given identity against this daemon.
    public func poc(_ identity: String, _ arguments: [String], environment extra: [String: String] = [:],
                    timeout: TimeInterval = 60) throws -> ProcessOutput {
        try Subprocess.run(BuiltProducts.executable("poc"), arguments, environment: [
            "POC_SERVER": url, "POC_CERT": pki.certificate(identity), "POC_KEY": pki.privateKey(identity),
            "POC_CA": pki.caCert, "POC_CONFIG": "/nonexistent", "NO_COLOR": "1",
            // English unless a test asks otherwise, whatever the machine's locale.
            "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8",
        ].merging(extra) { $1 }, timeout: timeout)
    }

    deinit {
        if let p = process, p.send(SIGKILL) { p.waitUntilExit() }
    }

    /// A policy in seconds for tests: deadlines and ladders fall due while a test waits.
    public static let secondsPolicy = """
        priorities:
          emergency:
            deliver_within: 30s
            acknowledge_within: 2s
            preserve_within: 30s
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
              - {after: 2s, level: 2, notify: [supervisor, partner]}
              - {after: 4s, level: 3, notify: [supervisor]}
          urgent:
            deliver_within: 15m
            acknowledge_within: 4h
            preserve_within: 24h
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
              - {after: 4h, level: 2, notify: [supervisor, partner]}
              - {after: 8h, level: 3, notify: [supervisor]}
          routine:
            deliver_within: 1h
            acknowledge_within: 24h
            preserve_within: 72h
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
              - {after: 24h, level: 2, notify: [supervisor, partner]}
              - {after: 48h, level: 3, notify: [supervisor]}
        """
}

/// Free loopback TCP ports, for daemons whose partners must know their address in advance.
public enum FreePort {
    /// A port nothing listens on right now (bound to 0 and released; the kernel does not hand
    /// it out again soon).
    public static func next() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// A daemon that would not start, with its log.
public struct DaemonFailed: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
