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
        let daemon = try DaemonConfiguration.load(file: configFile)
        var errors: [ConfigurationError] = []
        var directory: Directory?
        var policy: DeadlinePolicy?
        do { directory = try Directory.load(file: daemon.directoryFile) } catch { errors += error.errors }
        do { policy = try loadPolicy(daemon.policyFile) } catch { errors += error.errors }
        if let directory, let policy {
            errors += crossCheck(daemon, directory, policy)
        }
        guard errors.isEmpty, let directory, let policy else { throw ConfigurationErrors(errors) }
        return ConfigurationSet(daemon: daemon, directory: directory, policy: policy)
    }

    /// Reloads the directory and the policy (SIGHUP), checked against the running config.
    public func reloaded() throws(ConfigurationErrors) -> ConfigurationSet {
        var errors: [ConfigurationError] = []
        var directory: Directory?
        var policy: DeadlinePolicy?
        do { directory = try Directory.load(file: daemon.directoryFile) } catch { errors += error.errors }
        do { policy = try Self.loadPolicy(daemon.policyFile) } catch { errors += error.errors }
        if let directory, let policy { errors += Self.crossCheck(daemon, directory, policy) }
        guard errors.isEmpty, let directory, let policy else { throw ConfigurationErrors(errors) }
        return ConfigurationSet(daemon: daemon, directory: directory, policy: policy)
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

    /// The files the daemon needs at start that the YAML checks cannot see: the TLS files
    /// load, the data directory is writable. Returns one-line reasons.
    public func checkFiles() -> [String] {
        var problems: [String] = []
        do { _ = try TLSContext.server(daemon.tls) } catch { problems.append("\(error)") }
        for r in daemon.receivers {
            if let f = r.hmacSecretFile, !FileManager.default.isReadableFile(atPath: f) {
                problems.append("\(daemon.file): alerts receiver \(r.name): cannot read hmac_secret_file \(f)")
            }
            if let f = r.caFile, !FileManager.default.isReadableFile(atPath: f) {
                problems.append("\(daemon.file): alerts receiver \(r.name): cannot read ca \(f)")
            }
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: daemon.dataDirectory, isDirectory: &isDir) {
            if !isDir.boolValue || !FileManager.default.isWritableFile(atPath: daemon.dataDirectory) {
                problems.append("\(daemon.file): data_dir \(daemon.dataDirectory) is not a writable directory")
            }
        }
        return problems
    }
}
