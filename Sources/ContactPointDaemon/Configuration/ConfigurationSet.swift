import ContactPointModel
import Foundation
import TLSTransport

/// The three files a daemon runs on, loaded and checked against each other.
public struct ConfigurationSet: Sendable {
    public var daemon: DaemonConfiguration
    public var directory: Directory
    public var policy: DeadlinePolicy

    /// Loads `pocd.yaml`, then the directory and policy it names, and checks that they agree.
    /// Throws every problem found, each naming the file and the key.
    public static func load(configFile: String) throws(ConfigurationErrors) -> ConfigurationSet {
        let (set, errors) = try check(configFile: configFile)
        guard errors.isEmpty, let set else { throw ConfigurationErrors(errors) }
        return set
    }

    /// Everything wrong with `pocd.yaml` and the directory and policy it names, all at once
    /// (`check-config`): the set when nothing is, else every problem found, each with its
    /// file and key. A file that cannot be parsed still lets the others be checked.
    public static func check(configFile: String) throws(ConfigurationErrors) -> (ConfigurationSet?, [ConfigurationError]) {
        let (daemon, daemonErrors) = try DaemonConfiguration.parse(file: configFile)
        var errors = daemonErrors
        var directory: Directory?
        var policy: DeadlinePolicy?
        if !daemon.directoryFile.isEmpty {
            do { directory = try Directory.load(file: daemon.directoryFile) } catch { errors += error.errors }
        }
        if !daemon.policyFile.isEmpty {
            do { policy = try loadPolicy(daemon.policyFile) } catch { errors += error.errors }
        }
        if let directory, let policy {
            errors += crossCheck(daemon, directory, policy)
        }
        guard errors.isEmpty, let directory, let policy else { return (nil, errors) }
        return (ConfigurationSet(daemon: daemon, directory: directory, policy: policy), [])
    }

    /// What a reload (SIGHUP) puts in force: `pocd.yaml` is read again, and with it the
    /// directory, the policy and the TLS files at the paths it names now. Settings that
    /// only a restart can change keep their running values and are listed in
    /// `needsRestart`, so the log can name them.
    public struct Reload: Sendable {
        /// The configuration in force after the reload.
        public var configuration: ConfigurationSet
        /// `listen: 127.0.0.1:8443 → 127.0.0.1:9443`, one per setting changed in the file that
        /// the running daemon cannot apply.
        public var needsRestart: [String]
    }

    /// Reads `pocd.yaml` again with the directory, policy and TLS paths it names, checked
    /// against the running daemon. Throws every problem found, each with file and key.
    public func reloaded() throws(ConfigurationErrors) -> Reload {
        let file = try DaemonConfiguration.load(file: daemon.file)
        var next = daemon
        next.tls = file.tls
        next.directoryFile = file.directoryFile
        next.policyFile = file.policyFile
        var errors: [ConfigurationError] = []
        var directory: Directory?
        var policy: DeadlinePolicy?
        do { directory = try Directory.load(file: next.directoryFile) } catch { errors += error.errors }
        do { policy = try Self.loadPolicy(next.policyFile) } catch { errors += error.errors }
        if let directory, let policy { errors += Self.crossCheck(next, directory, policy) }
        guard errors.isEmpty, let directory, let policy else { throw ConfigurationErrors(errors) }
        return Reload(configuration: ConfigurationSet(daemon: next, directory: directory, policy: policy),
                      needsRestart: daemon.restartOnlyChanges(to: file))
    }

    static func loadPolicy(_ file: String) throws(ConfigurationErrors) -> DeadlinePolicy {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigurationErrors([ConfigurationError(file: file, key: "", reason: "cannot read: \(DaemonConfiguration.reason(error))")])
        }
        return try DeadlinePolicy.load(yaml: text, file: file)
    }

    /// What no single file can check: the served contact points agree with the directory,
    /// and every principal a ladder names exists.
    static func crossCheck(_ d: DaemonConfiguration, _ dir: Directory, _ policy: DeadlinePolicy) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        for code in d.contactPoints {
            guard let cp = dir.contactPoints[code] else {
                errors.append(ConfigurationError(file: d.directoryFile, key: "contact_points", reason: "\(code) is served by this daemon (\(d.file)) but missing here"))
                continue
            }
            if cp.host != .local {
                errors.append(ConfigurationError(file: d.directoryFile, key: "contact_points.\(code).daemon", reason: "must be `local`: \(d.file) says this daemon serves \(code)"))
            }
        }
        for code in dir.localCodes where !d.contactPoints.contains(code) {
            errors.append(ConfigurationError(file: d.directoryFile, key: "contact_points.\(code).daemon",
                                             reason: "is `local`, but \(d.file) contact_point does not list \(code)"))
        }
        for priority in Priority.allCases {
            for (i, step) in policy[priority].escalation.enumerated() {
                for name in step.notify where !EscalationStep.roles.contains(name) && dir.principals(for: name).isEmpty {
                    errors.append(ConfigurationError(file: d.policyFile, key: "priorities.\(priority.rawValue).escalation[\(i)].notify",
                                                     reason: "\"\(name)\" is neither a role (officer, supervisor, partner) nor a principal in \(d.directoryFile)"))
                }
            }
        }
        return errors
    }

    /// The files the daemon needs at start that the YAML checks cannot see: each TLS file
    /// loads (named by its key), the private key is private, the receivers' files are
    /// readable, the data directory is usable. Returns one line per problem.
    public func checkFiles() -> [String] {
        Self.checkFiles(daemon)
    }

    /// `checkFiles()` for a daemon configuration alone (check-config runs it even when the
    /// directory or the policy has problems of its own).
    public static func checkFiles(_ daemon: DaemonConfiguration) -> [String] {
        var problems: [String] = []
        let tls = daemon.tls
        func unreadable(_ path: String, key: String) -> Bool {
            guard !path.isEmpty else { return true }
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                problems.append("\(daemon.file): \(key): \(path): No such file or directory")
                return true
            }
            if isDir.boolValue {
                problems.append("\(daemon.file): \(key): \(path) is a directory, not a file")
                return true
            }
            if !FileManager.default.isReadableFile(atPath: path) {
                problems.append("\(daemon.file): \(key): \(path): Permission denied")
                return true
            }
            return false
        }
        let files = [("tls.certificate", tls.certificateFile), ("tls.private_key", tls.privateKeyFile),
                     ("tls.client_ca", tls.trustedCAFile)] + (tls.crlFile.map { [("tls.crl", $0)] } ?? [])
        var allReadable = true
        for (key, path) in files where unreadable(path, key: key) { allReadable = false }
        if let problem = SecretFile.problem(tls.privateKeyFile, what: "the private key") {
            problems.append("\(daemon.file): tls.private_key: \(problem)")
        }
        if allReadable {
            do { _ = try TLSContext.server(tls) } catch {
                let key = files.first { $0.1 == (error as? TLSError)?.file }?.0 ?? "tls"
                problems.append("\(daemon.file): \(key): \(error)")
            }
        }
        for (i, r) in daemon.receivers.enumerated() {
            let list = r.kind == .webhook ? "webhooks" : "alertmanagers"
            if let f = r.hmacSecretFile, !unreadable(f, key: "alerts.\(list)[\(i)].hmac_secret_file"),
               let problem = SecretFile.problem(f, what: "the HMAC secret") {
                problems.append("\(daemon.file): alerts.\(list)[\(i)].hmac_secret_file: \(problem)")
            }
            if let f = r.caFile { _ = unreadable(f, key: "alerts.\(list)[\(i)].ca") }
        }
        var isDir: ObjCBool = false
        if !daemon.dataDirectory.isEmpty, FileManager.default.fileExists(atPath: daemon.dataDirectory, isDirectory: &isDir) {
            if !isDir.boolValue || !FileManager.default.isWritableFile(atPath: daemon.dataDirectory) {
                problems.append("\(daemon.file): data_dir: \(daemon.dataDirectory) is not a writable directory")
            }
        }
        return problems
    }
}
