import ContactPointModel
import Foundation
import HTTP1
import Synchronization
import TLSTransport

/// Where the daemon is and which certificate to present.
public struct ClientSettings: Sendable, Hashable {
    /// `https://127.0.0.1:8443`, or several daemons of one contact point (a pair on one
    /// PostgreSQL), comma-separated: `https://a:8443,https://b:8443`.
    public var server: String

    /// The servers, in the order given.
    public var servers: [String] {
        server.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    public var certificate: String
    public var privateKey: String
    /// CA bundle that signs the daemon's certificate.
    public var ca: String
    /// Sent as `Accept-Language`: the daemon's messages come back in it.
    public var language: Language = .en
    /// Sent as `?tz=` where the daemon writes times for people (alert summaries); nil: UTC.
    public var timeZone: String? = nil
    /// `timeZone` as query items: `[("tz", zone)]`, or none for UTC.
    var timeZoneQuery: [(String, String)] { timeZone.map { [("tz", $0)] } ?? [] }

    public init(server: String, certificate: String, privateKey: String, ca: String, language: Language = .en, timeZone: String? = nil) {
        self.server = server
        self.certificate = certificate
        self.privateKey = privateKey
        self.ca = ca
        self.language = language
        self.timeZone = timeZone
    }
}

/// An answer from the daemon: status and parsed JSON (or the raw text, for /metrics).
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var json: JSONValue? { try? JSONParser.parse(body) }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a call failed, in words for the person at the terminal.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// Nothing answered at the address.
    case unreachable(server: String, reason: String)
    /// The TLS handshake failed; `reason` says why (unknown CA, expired certificate...).
    case tls(server: String, reason: String)
    /// The daemon answered with a problem (4xx/5xx).
    case problem(status: Int, title: String, detail: String, errors: [FieldProblem])
    /// Local setup: a missing certificate file, a bad URL.
    case setup(Message)
    /// Anything else the transport reported.
    case transport(server: String, reason: String)

    /// Whether the request may have reached the daemon although no answer came back (the
    /// connection closed or timed out after it was sent): only an idempotent request may be
    /// sent again after such an error.
    public var outcomeUnknown: Bool {
        if case .transport = self { return true }
        return false
    }

    public var description: String { message.description }

    /// What to tell a person, in any language. A problem's title, detail and reasons are the
    /// daemon's, already in the language the client asked for (Accept-Language); what the
    /// transport or OpenSSL reports stays as they say it.
    public var message: Message {
        switch self {
        case .unreachable(let server, let reason):
            return Message("poc.error.unreachable", ["server": .verbatim(server), "reason": .verbatim(reason)])
        case .tls(let server, let reason):
            return Message("poc.error.tls", ["server": .verbatim(server), "reason": .verbatim(reason)])
        case .problem(let status, let title, let detail, let errors):
            var lines: [Message] = [.verbatim("\(status) \(title)"), Message("poc.error.detail", ["detail": .verbatim(detail)])]
            for e in errors where !(e.field.isEmpty && e.reason == detail) {
                let field: Message = e.field.isEmpty ? Message("poc.error.body") : .verbatim(e.field)
                lines.append(.joined([.verbatim("  "), field, .verbatim(": \(e.reason)")], separator: ""))
            }
            return .joined(lines, separator: "\n")
        case .setup(let m): return m
        case .transport(let server, let reason):
            return Message("poc.error.transport", ["server": .verbatim(server), "reason": .verbatim(reason)])
        }
    }
}

/// The typed client of the ContactPoint API: used by `poc`, partner tests and scripts.
///
/// With several servers (the daemons of a pair), a call goes to the one that answered last
/// and, when it cannot be reached at all (the request never left), to the next in turn.
public final class ContactPointClient: Sendable {
    public let settings: ClientSettings
    let clients: [(server: String, http: HTTPSClient)]
    /// The index of the server that answered last.
    private let preferred = Mutex(0)

    /// The server calls go to first now, and its connection.
    var http: HTTPSClient { clients[preferred.withLock { $0 }].http }
    public var currentServer: String { clients[preferred.withLock { $0 }].server }

    /// Moves on to the next server (a stream that could not connect).
    func rotate() { preferred.withLock { $0 = ($0 + 1) % clients.count } }

    public init(_ settings: ClientSettings, timeout: TimeInterval = 30) throws(ClientError) {
        self.settings = settings
        for (what, path) in [("certificate", settings.certificate), ("key", settings.privateKey), ("ca", settings.ca)]
        where !FileManager.default.isReadableFile(atPath: path) {
            throw .setup(Message("poc.error.unreadable-\(what)", ["path": .verbatim(path)]))
        }
        let servers = settings.servers
        guard !servers.isEmpty else { throw .setup(Message("poc.error.no-server")) }
        for server in servers where !server.hasPrefix("https://") {
            throw .setup(Message("poc.error.not-https", ["server": .verbatim(server)]))
        }
        let tls = TLSConfiguration(certificateFile: settings.certificate, privateKeyFile: settings.privateKey,
                                   trustedCAFile: settings.ca, crlFile: nil, minimumVersion: .v1_2)
        var made: [(String, HTTPSClient)] = []
        for server in servers {
            do { made.append((server, try HTTPSClient(baseURL: server, tls: tls, timeout: timeout))) } catch {
                throw .setup(.verbatim("\(error)"))
            }
        }
        clients = made
    }

    public func close() { clients.forEach { $0.http.close() } }

    /// One call; a 4xx/5xx answer with a problem body becomes `.problem`.
    public func call(_ method: String, _ path: String, json body: [UInt8]? = nil) -> Result<APIResponse, ClientError> {
        var headers = HTTPHeaders([("Accept", "application/json"), ("Accept-Language", settings.language.rawValue)])
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let first = preferred.withLock { $0 }
        var unreachable: [String] = []
        for k in 0..<clients.count {
            let i = (first + k) % clients.count
            let (server, http) = clients[i]
            switch http.sendSync(method: method, path: path, headers: headers, body: body ?? []) {
            case .success(let r):
                preferred.withLock { $0 = i }
                let response = APIResponse(status: r.status, headers: r.headers, body: r.body)
                if r.status >= 400 { return .failure(Self.problem(response)) }
                return .success(response)
            case .failure(.connect(_, let reason)) where k < clients.count - 1:
                unreachable.append("\(server) (\(reason))")  // never sent: the next daemon of the pair may answer
            case .failure(let e):
                if case .connect(_, let reason) = e, !unreachable.isEmpty {
                    return .failure(.unreachable(server: (unreachable + ["\(server) (\(reason))"]).joined(separator: ", "),
                                                 reason: "none of the daemons answered"))
                }
                return .failure(Self.map(e, server: server))
            }
        }
        return .failure(.setup(Message("poc.error.no-server")))
    }

    static func problem(_ r: APIResponse) -> ClientError {
        guard let j = r.json, let o = j.objectValue else {
            return .problem(status: r.status, title: "HTTP \(r.status)", detail: r.text.trimmingCharacters(in: .whitespacesAndNewlines), errors: [])
        }
        let errors = (o["errors"]?.arrayValue ?? []).map {
            FieldProblem(field: $0["field"]?.stringValue ?? "", reason: $0["reason"]?.stringValue ?? "")
        }
        return .problem(status: r.status, title: o["title"]?.stringValue ?? "HTTP \(r.status)",
                        detail: o["detail"]?.stringValue ?? "", errors: errors)
    }

    static func map(_ e: HTTPClientError, server: String) -> ClientError {
        switch e {
        case .connect(_, let reason): return .unreachable(server: server, reason: reason)
        case .tls(let reason): return .tls(server: server, reason: reason)
        default: return .transport(server: server, reason: e.description)
        }
    }

    // MARK: - The API

    public func submit(_ body: [UInt8]) -> Result<APIResponse, ClientError> { call("POST", "/v1/requests", json: body) }

    /// Submits `request`, safe to retry: the request gets an `id` first if it has none, so
    /// sending it again can only find it stored (200, identical), never store a second one.
    /// When an attempt ends without an answer — the request may have arrived — it is sent
    /// again, up to `attempts` times in all. Returns the answer, the id used, and whether a
    /// 200 answered a retry of our own (so "already submitted" is the first attempt's doing).
    public func submitIdempotently(_ request: JSONValue, attempts: Int = 3, pause: TimeInterval = 0.5)
        -> (result: Result<APIResponse, ClientError>, id: String, retried: Bool)
    {
        var body = request
        if case .object(var o) = request, o["id"] == nil {
            o["id"] = .string(RequestID.timeOrdered(at: Clock.system.now()).description)  // as the daemon names them (RequestID)
            body = .object(o)
        }
        let id = body["id"]?.stringValue ?? ""
        let bytes = body.serialized()
        var last: Result<APIResponse, ClientError> = submit(bytes)
        var tries = 1
        while tries < attempts, case .failure(let error) = last, error.outcomeUnknown {
            Thread.sleep(forTimeInterval: pause * Double(tries))
            last = submit(bytes)
            tries += 1
        }
        return (last, id, tries > 1)
    }
    public func request(_ id: String) -> Result<APIResponse, ClientError> { call("GET", "/v1/requests/\(id)") }

    /// The full id of the one request `text` names: a whole id as it is, or the first
    /// characters of one, as git takes a commit's (`2f1c7e3a`); the daemon lists the requests
    /// the caller may read that start with it. None, or several, is an error that names them.
    public func resolveRequestID(_ text: String) -> Result<String, ClientError> {
        let given = text.trimmingCharacters(in: .whitespaces).lowercased()
        if given.count == 36, UUID(uuidString: given) != nil { return .success(given) }
        guard (4...35).contains(given.count), given.allSatisfy({ $0 == "-" || $0.isHexDigit }) else {
            return .failure(.setup(Message("poc.error.not-an-id", ["text": .verbatim(text)])))
        }
        switch call("GET", "/v1/requests" + Self.query([("id_prefix", given)])) {
        case .failure(let e): return .failure(e)
        case .success(let r):
            let items = r.json?["items"]?.arrayValue ?? []
            if items.count == 1, let id = items[0]["id"]?.stringValue { return .success(id) }
            if items.isEmpty { return .failure(.setup(Message("poc.error.no-such-id", ["prefix": .verbatim(given)]))) }
            let list = items.map {
                "  \($0["id"]?.stringValue ?? "")  \($0["reference"]?.stringValue ?? "")  \($0["from"]?.stringValue ?? "")→\($0["to"]?.stringValue ?? "")  \($0["state"]?.stringValue ?? "")"
            }.joined(separator: "\n")
            let more = r.json?["more"]?.boolValue == true ? "\n  …" : ""
            return .failure(.setup(Message("poc.error.ambiguous-id", ["prefix": .verbatim(given), "list": .verbatim(list + more)])))
        }
    }
    public func act(_ id: String, _ action: Action, body: [UInt8]) -> Result<APIResponse, ClientError> {
        call("POST", "/v1/requests/\(id)/\(action.rawValue)", json: body.isEmpty ? Array("{}".utf8) : body)
    }
    public func queue(_ query: [(String, String)] = []) -> Result<APIResponse, ClientError> {
        call("GET", "/v1/queue" + Self.query(query))
    }
    public func alerts(_ query: [(String, String)] = []) -> Result<APIResponse, ClientError> {
        call("GET", "/v1/alerts" + Self.query(query + settings.timeZoneQuery))
    }
    public func health() -> Result<APIResponse, ClientError> { call("GET", "/healthz") }
    public func metrics() -> Result<APIResponse, ClientError> { call("GET", "/metrics") }

    static func query(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~:"))
        return "?" + items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
    }
}
