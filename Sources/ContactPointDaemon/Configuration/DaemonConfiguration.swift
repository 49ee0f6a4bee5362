import ContactPointModel
import Foundation
import HTTP1
import TLSTransport

/// `pocd.yaml`: what this daemon serves, where it listens, its certificates, and where
/// its data, directory and policy live. Relative paths are relative to the file's folder.
public struct DaemonConfiguration: Sendable {
    /// The file it was loaded from.
    public var file: String
    /// The contact points this daemon serves (one, or several).
    public var contactPoints: [CountryCode]
    public var host: String
    public var port: Int
    public var tls: TLSConfiguration
    public var dataDirectory: String
    public var directoryFile: String
    public var policyFile: String
    public var limits: HTTPLimits
    /// Identities allowed to read /metrics besides supervisors (a Prometheus scraper).
    public var metricsIdentities: [String]
    /// Where alerts go besides the log and the SSE stream.
    public var receivers: [AlertReceiver]
    /// The audit log's settings (`audit:`): the log key's file and the checkpoint interval.
    public var audit = AuditSettings()
    /// The master keys (`encryption:`), or the default one in the data directory.
    public var encryption = EncryptionSettings(keys: [], configured: false)
    /// Where the event log lives (`store:`): SQLite in the data directory by default.
    public var store: StoreSettings = .sqlite(file: "")

    /// Loads and checks `pocd.yaml`. Every problem is reported, each with the file and key.
    public static func load(file: String) throws(ConfigurationErrors) -> DaemonConfiguration {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigurationErrors([ConfigurationError(file: file, key: "", reason: "cannot read: \(Self.reason(error))")])
        }
        return try load(yaml: text, file: file)
    }

    /// Loads `pocd.yaml` text; `file` names it in errors and anchors relative paths.
    public static func load(yaml text: String, file: String) throws(ConfigurationErrors) -> DaemonConfiguration {
        let (configuration, problems) = try parse(yaml: text, file: file)
        guard problems.isEmpty else { throw ConfigurationErrors(problems) }
        return configuration
    }

    /// Reads `pocd.yaml` as far as it can: the settings (defaults where a key is bad or
    /// missing) and every problem, so `check-config` can go on to the files it names.
    /// Throws only when the text is not YAML, or the file cannot be read.
    public static func parse(file: String) throws(ConfigurationErrors) -> (DaemonConfiguration, [ConfigurationError]) {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigurationErrors([ConfigurationError(file: file, key: "", reason: "cannot read: \(Self.reason(error))")])
        }
        return try parse(yaml: text, file: file)
    }

    static func parse(yaml text: String, file: String) throws(ConfigurationErrors) -> (DaemonConfiguration, [ConfigurationError]) {
        let base = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(path)
        }
        let r = try YAMLReader.root(text, file: file)
        var codes: [CountryCode] = []
        if let node = r.node("contact_point") {
            let texts = node.sequence.map { $0.compactMap { $0.scalar?.string } } ?? [node.scalar?.string].compactMap { $0 }
            if texts.isEmpty { r.problem("contact_point", "name the ISO 3166-1 alpha-2 code(s) this daemon serves") }
            for t in texts {
                if let c = CountryCode(t) { codes.append(c) } else {
                    r.problem("contact_point", "\"\(t)\" is not an ISO 3166-1 alpha-2 code such as VN")
                }
            }
        } else {
            r.problem("contact_point", "required")
        }
        var host = "127.0.0.1", port = 8443
        if let listen = r.string("listen", required: true) {
            if let (h, p) = Self.parseListen(listen) { (host, port) = (h, p) } else {
                r.problem("listen", "\"\(listen)\" is not host:port (127.0.0.1:8443 or [::1]:8443)")
            }
        }
        var tls = TLSConfiguration(certificateFile: "", privateKeyFile: "", trustedCAFile: "", crlFile: nil, minimumVersion: .v1_3)
        if let t = r.mapping("tls", required: true) {
            tls.certificateFile = t.string("certificate", required: true).map(resolve) ?? ""
            tls.privateKeyFile = t.string("private_key", required: true).map(resolve) ?? ""
            tls.trustedCAFile = t.string("client_ca", required: true).map(resolve) ?? ""
            tls.crlFile = t.string("crl", required: false).map(resolve)
            if let v = t.string("min_version", required: false) {
                if let version = TLSVersion(rawValue: v) { tls.minimumVersion = version } else {
                    t.problem("min_version", "must be \"1.3\" or \"1.2\", not \"\(v)\"")
                }
            }
            t.refuseUnknown(allowing: ["certificate", "private_key", "client_ca", "crl", "min_version"])
        }
        let data = r.string("data_dir", required: true).map(resolve) ?? ""
        let directory = r.string("directory", required: true).map(resolve) ?? ""
        let policy = r.string("policy", required: true).map(resolve) ?? ""
        var limits = HTTPLimits()
        limits.maxConnections = Self.defaultMaxConnections
        if let l = r.mapping("limits", required: false) {
            if let v = l.integer("max_header_bytes", required: false) { limits.maxHeaderBytes = v }
            if let v = l.integer("max_body_bytes", required: false) { limits.maxBodyBytes = v }
            if let v = l.integer("max_connections", required: false) { limits.maxConnections = v }
            func seconds(_ key: String) -> TimeInterval? {
                l.duration(key, required: false).map { TimeInterval($0.seconds) }
            }
            if let v = seconds("handshake_timeout") { limits.handshakeTimeout = v }
            if let v = seconds("header_timeout") { limits.headerTimeout = v }
            if let v = seconds("body_timeout") { limits.bodyTimeout = v }
            if let v = seconds("idle_timeout") { limits.idleTimeout = v }
            if let v = seconds("write_timeout") { limits.writeTimeout = v }
            l.refuseUnknown(allowing: ["max_header_bytes", "max_body_bytes", "max_connections", "handshake_timeout",
                                       "header_timeout", "body_timeout", "idle_timeout", "write_timeout"])
        }
        var metricsIdentities: [String] = []
        if let m = r.mapping("metrics", required: false) {
            metricsIdentities = m.sequence("identities", required: false)?.compactMap { $0.scalar?.string } ?? []
            m.refuseUnknown(allowing: ["identities"])
        }
        let receivers = AlertReceiver.load(r, resolve: resolve)
        var audit = AuditSettings()
        audit.logKeyFile = (data as NSString).appendingPathComponent("log.key")
        if let a = r.mapping("audit", required: false) {
            if let f = a.string("log_key", required: false) { audit.logKeyFile = resolve(f) }
            if let d = a.duration("checkpoint_interval", required: false) {
                if d.seconds >= 1 && d.seconds <= 3600 { audit.checkpointInterval = d } else {
                    a.problem("checkpoint_interval", "must be from 1s to 1h, not \(d)")
                }
            }
            a.refuseUnknown(allowing: ["log_key", "checkpoint_interval"])
        }
        var encryption = EncryptionSettings(keys: [.init(id: EncryptionSettings.defaultID,
                                                         file: (data as NSString).appendingPathComponent(EncryptionSettings.defaultFile))],
                                            configured: false)
        if let e = r.mapping("encryption", required: false) {
            var keys: [EncryptionSettings.Key] = []
            if let list = e.sequence("keys", required: true) {
                if list.isEmpty { e.problem("keys", "name at least one master key {id, file}") }
                for (i, node) in list.enumerated() {
                    guard let k = e.child(node, key: "keys[\(i)]") else { continue }
                    let id = k.string("id", required: true)
                    let f = k.string("file", required: true)
                    k.refuseUnknown(allowing: ["id", "file"])
                    if let id, id.isEmpty || id.count > 64 || !id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                        k.problem("id", "must be 1 to 64 letters, digits, '-', '_' or '.'")
                    } else if let id, keys.contains(where: { $0.id == id }) {
                        k.problem("id", "\(id) is listed twice")
                    }
                    if let id, let f { keys.append(.init(id: id, file: resolve(f))) }
                }
            }
            e.refuseUnknown(allowing: ["keys"])
            encryption = EncryptionSettings(keys: keys, configured: true)
        }
        let store = StoreSettings.load(r, dataDirectory: data, resolve: resolve)
        r.refuseUnknown(allowing: ["contact_point", "listen", "tls", "data_dir", "directory", "policy", "limits", "metrics", "alerts", "audit",
                                   "encryption", "store"])
        return (DaemonConfiguration(
            file: file, contactPoints: codes, host: host, port: port, tls: tls, dataDirectory: data,
            directoryFile: directory, policyFile: policy, limits: limits, metricsIdentities: metricsIdentities,
            receivers: receivers, audit: audit, encryption: encryption, store: store), r.problems)
    }

    /// The settings a reload cannot apply that differ in `other` (the file as it reads now),
    /// each as `key: old → new`.
    public func restartOnlyChanges(to other: DaemonConfiguration) -> [String] {
        var changes: [String] = []
        func compare(_ key: String, _ a: String, _ b: String) { if a != b { changes.append("\(key): \(a) → \(b)") } }
        compare("contact_point", contactPoints.map(\.code).joined(separator: ","), other.contactPoints.map(\.code).joined(separator: ","))
        compare("listen", "\(host):\(port)", "\(other.host):\(other.port)")
        compare("data_dir", dataDirectory, other.dataDirectory)
        compare("store", "\(store)", "\(other.store)")
        if limits != other.limits { changes.append("limits: changed") }
        compare("audit.log_key", audit.logKeyFile, other.audit.logKeyFile)
        compare("audit.checkpoint_interval", "\(audit.checkpointInterval)", "\(other.audit.checkpointInterval)")
        compare("encryption.keys", encryption.keys.map { "\($0.id)=\($0.file)" }.joined(separator: ","),
                other.encryption.keys.map { "\($0.id)=\($0.file)" }.joined(separator: ","))
        compare("metrics.identities", metricsIdentities.joined(separator: ","), other.metricsIdentities.joined(separator: ","))
        compare("alerts", receivers.map { "\($0)" }.joined(separator: ";"), other.receivers.map { "\($0)" }.joined(separator: ";"))
        return changes
    }

    /// The daemon's default connection limit: enough that 2,000 idle or slow clients do not
    /// lock out a duty officer (each is closed by its handshake or header timeout anyway).
    /// The daemon raises its open-file limit to fit, or lowers this to what fits.
    public static let defaultMaxConnections = 4096

    /// `127.0.0.1:8443`, `localhost:8443`, `[::1]:8443`.
    static func parseListen(_ text: String) -> (String, Int)? {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "No such file or directory" }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoPermissionError { return "Permission denied" }
        return ns.localizedDescription
    }
}

/// `audit:` in pocd.yaml (docs/audit.md): the log key and how often checkpoints are signed.
public struct AuditSettings: Sendable, Equatable {
    /// The Ed25519 log key (PKCS#8 PEM, 0600); `data_dir/log.key` by default, made at the
    /// first start when missing (`pocd keygen` makes one elsewhere).
    public var logKeyFile = ""
    /// At most one checkpoint per interval, only when the log grew (and one at shutdown).
    public var checkpointInterval: PolicyDuration = .seconds(10)

    public init() {}
}

/// `encryption:` in pocd.yaml (docs/privacy.md): the master keys that wrap the data keys,
/// in order, the last one the newest. Without the block, one key `default` at
/// `data_dir/master-keys/default.key`, made (0600) at the first start.
public struct EncryptionSettings: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public var id: String
        public var file: String
    }
    public static let defaultID = "default"
    public static let defaultFile = "master-keys/default.key"
    public var keys: [Key]
    /// Whether pocd.yaml names the keys (if not, the default key is made when missing).
    public var configured: Bool
}
