import AuditLog
import ContactPointModel
import Foundation

/// `directory.yaml`: every contact point this daemon knows, whether it is served here
/// (`daemon: local`) or by a partner daemon, and the people and daemons who act for it,
/// each named by the subject CN of their certificate.
public struct Directory: Sendable {
    /// What a certificate identity may do for a contact point.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case officer, supervisor
        /// Paged at the top of a ladder (DOMAIN.md: level 3); reads as an officer does.
        case headOfUnit = "head_of_unit"
        /// The State's central authority for mutual legal assistance: told when an MLA request
        /// is linked to a preservation, and paged where a ladder names it; reads as an officer does.
        case centralAuthority = "central_authority"
        /// A partner daemon acting for the contact point it hosts.
        case daemon
    }

    /// One identity acting for one contact point.
    public struct Principal: Sendable, Hashable {
        public var identity: String
        public var role: Role
        public var contactPoint: CountryCode
    }

    /// Where a contact point is served.
    public enum Host: Sendable, Hashable {
        case local
        /// A partner daemon at `urls` (one, or the daemons of a pair, tried in turn) whose
        /// certificate must name `identity`.
        case partner(urls: [String], identity: String)
        /// No daemon yet (`daemon: none`): a contact point of the network known from a register,
        /// reached by its 24/7 telephone and e-mail. Requests to it are refused with those.
        case none

        /// The partner's first address.
        public var url: String? { if case .partner(let urls, _) = self { return urls.first } else { return nil } }
        /// The partner daemon's certificate identity.
        public var identity: String? { if case .partner(_, let id) = self { return id } else { return nil } }
    }

    public struct ContactPoint: Sendable, Hashable {
        public var code: CountryCode
        public var name: String
        public var host: Host
        public var principals: [Principal]
        /// The partner daemon's log key (`daemon: {log_key}`), a C2SP vkey named
        /// `<identity>/contactpoint`: this daemon witnesses that partner's log with it.
        public var logKey: String? = nil
        /// The 24/7 line and mailbox, for people (from a register of contact points; optional).
        public var telephone: String? = nil
        public var email: String? = nil
        /// Reservations the State made to the conventions that change what this software
        /// allows (`reservations: [dual-criminality]`: it may refuse preservation for lack of
        /// dual criminality, UN art. 42 / Budapest art. 29(4)).
        public var reservations: Set<Reservation> = []
    }

    /// A reservation a directory entry may declare.
    public enum Reservation: String, Sendable, Hashable, CaseIterable {
        case dualCriminality = "dual-criminality"
    }

    public private(set) var contactPoints: [CountryCode: ContactPoint]
    private var byIdentity: [String: [Principal]]

    public init(contactPoints: [ContactPoint]) {
        self.contactPoints = Dictionary(uniqueKeysWithValues: contactPoints.map { ($0.code, $0) })
        byIdentity = Dictionary(grouping: contactPoints.flatMap(\.principals), by: \.identity)
    }

    /// Everything `identity` may act as; empty when the directory does not know it.
    public func principals(for identity: String) -> [Principal] { byIdentity[identity] ?? [] }

    /// The contact points served by this daemon.
    public var localCodes: Set<CountryCode> {
        Set(contactPoints.values.filter { $0.host == .local }.map(\.code))
    }

    /// Identities holding `role` at `code`.
    public func identities(_ role: Role, at code: CountryCode) -> [String] {
        contactPoints[code]?.principals.filter { $0.role == role }.map(\.identity) ?? []
    }

    /// Loads `directory.yaml`, reporting every problem with the file and key.
    public static func load(file: String) throws(ConfigurationErrors) -> Directory {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigurationErrors([ConfigurationError(file: file, key: "", reason: "cannot read: \(DaemonConfiguration.reason(error))")])
        }
        return try load(yaml: text, file: file)
    }

    /// Loads directory YAML text; `file` names it in errors.
    public static func load(yaml text: String, file: String) throws(ConfigurationErrors) -> Directory {
        let r = try YAMLReader.root(text, file: file)
        var points: [ContactPoint] = []
        if let map = r.mapping("contact_points", required: true) {
            for key in map.keys {
                guard let code = CountryCode(key) else {
                    map.problem(key, "not an ISO 3166-1 alpha-2 code such as VN")
                    continue
                }
                guard let cp = map.mapping(key, required: true) else { continue }
                let name = cp.string("name", required: true) ?? key
                var host = Host.local
                var logKey: String?
                if let node = cp.node("daemon") {
                    if node.scalar?.string == "local" {
                        host = .local
                    } else if node.scalar?.string == "none" {
                        host = .none
                    } else if let d = cp.mapping("daemon", required: true) {
                        // `urls: [URL1, URL2]` for a partner that runs a pair; a single `url` still reads.
                        var urls: [String] = []
                        var urlKey = "url"
                        if d.node("urls") != nil {
                            urlKey = "urls"
                            if d.node("url") != nil { d.problem("url", "give url or urls, not both") }
                            urls = d.sequence("urls", required: true)?.compactMap { $0.scalar?.string } ?? []
                            if urls.isEmpty { d.problem("urls", "name at least one https://host:port") }
                        } else if let url = d.string("url", required: true) {
                            urls = [url]
                        }
                        let identity = d.string("identity", required: true) ?? ""
                        for url in urls where url.isEmpty || !(url.hasPrefix("https://") && DaemonConfiguration.parseListen(String(url.dropFirst(8)).split(separator: "/").first.map(String.init) ?? "") != nil) {
                            d.problem(urlKey, "must be https://host:port, not \"\(url)\"")
                        }
                        if let key = d.string("log_key", required: false) {
                            if let problem = Self.logKeyProblem(key, identity: identity) { d.problem("log_key", problem) } else { logKey = key }
                        }
                        d.refuseUnknown(allowing: ["url", "urls", "identity", "log_key"])
                        host = .partner(urls: urls, identity: identity)
                    }
                } else {
                    cp.problem("daemon", "required: `local`, {urls, identity} of the partner daemon, or `none`")
                }
                var principals: [Principal] = []
                if let list = cp.sequence("principals", required: host != .none) {
                    for (i, node) in list.enumerated() {
                        guard let p = cp.child(node, key: "principals[\(i)]") else { continue }
                        let identity = p.string("identity", required: true)
                        let roleText = p.string("role", required: true)
                        let role = roleText.flatMap(Role.init(rawValue:))
                        if let roleText, role == nil { p.problem("role", "must be officer, supervisor, head_of_unit, central_authority or daemon, not \"\(roleText)\"") }
                        p.refuseUnknown(allowing: ["identity", "role"])
                        if let identity, let role { principals.append(Principal(identity: identity, role: role, contactPoint: code)) }
                    }
                }
                if case .partner(_, let identity) = host, !identity.isEmpty,
                   !principals.contains(where: { $0.identity == identity && $0.role == .daemon }) {
                    cp.problem("principals", "the partner daemon \(identity) must be listed with role daemon")
                }
                let telephone = cp.string("telephone", required: false)
                let email = cp.string("email", required: false)
                if host == .none {
                    if telephone == nil && email == nil {
                        cp.problem("daemon", "none: give the contact point's telephone or email, the only ways to reach it")
                    }
                    if !principals.isEmpty { cp.problem("principals", "a contact point without a daemon (daemon: none) has no principals here") }
                }
                var reservations = Set<Reservation>()
                if cp.node("reservations") != nil {
                    for (i, node) in (cp.sequence("reservations", required: true) ?? []).enumerated() {
                        if let text = node.scalar?.string, let r = Reservation(rawValue: text) { reservations.insert(r) } else {
                            cp.problem("reservations[\(i)]", "must be one of \(Reservation.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                    }
                }
                cp.refuseUnknown(allowing: ["name", "telephone", "email", "reservations", "daemon", "principals"])
                points.append(ContactPoint(code: code, name: name, host: host, principals: principals, logKey: logKey,
                                           telephone: telephone, email: email, reservations: reservations))
            }
        }
        r.refuseUnknown(allowing: ["contact_points"])
        try r.throwIfProblems()
        return Directory(contactPoints: points)
    }
}

extension Directory {
    /// The origin of the log a daemon with this certificate identity keeps (docs/audit.md §3).
    public static func origin(of identity: String) -> String { "\(identity)/contactpoint" }

    /// Why `vkey` cannot be `identity`'s log key, or nil.
    static func logKeyProblem(_ vkey: String, identity: String) -> String? {
        let key: VerifierKey
        do { key = try VerifierKey(parsing: vkey) } catch { return "not a verifier key <name>+<key id>+<base64>: \(error)" }
        guard key.type == .ed25519 else { return "must be an Ed25519 note key (type 0x01)" }
        guard key.name == origin(of: identity) else { return "is named \(key.name); the log of \(identity) is \(origin(of: identity))" }
        return nil
    }

    /// Partner daemons with a log key: whose logs this daemon witnesses and who witness its own.
    public var witnesses: [(code: CountryCode, urls: [String], identity: String, key: VerifierKey)] {
        contactPoints.values.sorted { $0.code.code < $1.code.code }.compactMap { cp in
            guard case .partner(let urls, let identity) = cp.host, !urls.isEmpty, let text = cp.logKey,
                  let key = try? VerifierKey(parsing: text) else { return nil }
            return (cp.code, urls, identity, key)
        }
    }
}
