import ContactPointModel
import Dispatch
import Foundation
import HTTP1
import Logging
import TLSTransport

/// Maps HTTPS requests to the Desk: identifies the caller from its certificate, checks
/// the route's roles, decodes the body, and writes the answer (JSON, or problem+json).
/// Runs on each connection's queue; everything it touches is the Desk's or thread-safe.
final class Router: Sendable {
    let desk: Desk
    let alerts: AlertHub
    let metrics: Metrics
    let settings: Settings
    let outbox: OutboxWorker?
    let audit: AuditService?
    let metricsIdentities: Set<String>
    let log: Logger
    let extraGauges: @Sendable () -> [Metrics.Gauge]
    /// This daemon's role in its pair and its instance name, for /healthz.
    let role: @Sendable () -> (role: String, instance: String)

    init(desk: Desk, alerts: AlertHub, metrics: Metrics, settings: Settings, outbox: OutboxWorker?, audit: AuditService? = nil,
         metricsIdentities: [String], log: Logger,
         role: @escaping @Sendable () -> (role: String, instance: String) = { ("leader", ProcessInfo.processInfo.hostName) },
         extraGauges: @escaping @Sendable () -> [Metrics.Gauge] = { [] }) {
        self.role = role
        self.desk = desk
        self.alerts = alerts
        self.metrics = metrics
        self.settings = settings
        self.outbox = outbox
        self.audit = audit
        self.metricsIdentities = Set(metricsIdentities)
        self.log = log
        self.extraGauges = extraGauges
    }

    /// The routes served, as `METHOD path-template`; the OpenAPI test checks docs/api/openapi.yaml against it.
    static let routes: [(method: String, template: String)] = [
        ("POST", "/v1/requests"),
        ("GET", "/v1/requests"),
        ("GET", "/v1/requests/{id}"),
        ("POST", "/v1/requests/{id}/{action}"),
        ("POST", "/v1/requests/{id}/events"),
        ("POST", "/v1/requests/{id}/erase"),
        ("GET", "/v1/requests/{id}/access-log"),
        ("GET", "/v1/queue"),
        ("GET", "/v1/alerts"),
        ("GET", "/v1/alerts/stream"),
        ("GET", "/v1/log/checkpoint"),
        ("GET", "/v1/log/inclusion"),
        ("GET", "/v1/log/consistency"),
        ("POST", "/v1/log/add-checkpoint"),
        ("GET", "/v1/log/witnessed"),
        ("GET", "/v1/outbox"),
        ("POST", "/v1/outbox/{id}/{operation}"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/v1/session"),
        ("GET", "/v1/stats/compliance"),
        ("GET", "/"),
        ("GET", "/wall"),
        ("GET", "/alerts"),
        ("GET", "/compliance"),
        ("GET", "/submit"),
        ("GET", "/requests/{id}"),
        ("GET", "/assets/{name}"),
    ]

    /// Entry point for the HTTP server.
    func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let started = DispatchTime.now()
        let parts: [String], template: String?, allowed: [String]
        if let fixed = Self.fixedPaths[request.path] {
            (parts, template, allowed) = (fixed.parts, fixed.template, fixed.allowed)
        } else {
            parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            (template, allowed) = Self.match(parts)
        }
        let count: @Sendable (HTTPResponse) -> Void = { [metrics] response in
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            metrics.countHTTP(route: template ?? "unknown", status: response.status, seconds: seconds)
        }
        let finish: @Sendable (HTTPResponse) -> Void = { response in
            count(response)
            responder.respond(response)
        }
        // A successful Desk reply is serialized on the connection's queue, not the Desk's.
        let finishLater: @Sendable (@escaping @Sendable () -> HTTPResponse) -> Void = { make in
            responder.respond(building: {
                let response = make()
                count(response)
                return response
            })
        }
        guard let template else {
            return finish(Self.problem(.notFound("no route \(request.path)", field: "path"), request.language))
        }
        guard allowed.contains(request.method) else {
            var r = Self.problem(.methodNotAllowed(request.method, path: request.path, allowed: allowed), request.language)
            r.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            return finish(r)
        }
        if let refusal = Self.crossSiteRefusal(request, template: template) {
            log.warning("cross-site request refused", metadata: ["identity": "\(request.peer.commonName)", "path": "\(request.path)",
                                                                 "origin": "\(request.headers["Origin"] ?? "-")"])
            metrics.increment("contactpoint_forbidden_total", [("reason", "cross-site-request")])
            return finish(Self.problem(refusal, request.language))
        }
        let identity = request.peer.commonName
        if template == "/healthz" {
            let (role, instance) = self.role()
            // Answered here, on the connection's queue (the Desk publishes the counts it reports).
            return desk.health { health in finish(Self.json(200, encoded: health.encoded(role: role, instance: instance))) }
        }
        if template == "/metrics" && metricsIdentities.contains(identity) {
            return scrape(finish)  // a scrape identity needs no directory entry, and gets nothing else
        }
        let caller = Caller(identity: identity, principals: settings.directory.principals(for: identity))
        guard !caller.principals.isEmpty else {
            log.warning("certificate identity not in the directory", metadata: ["identity": "\(identity)", "remote": "\(request.remoteAddress)", "path": "\(request.path)"])
            metrics.increment("contactpoint_forbidden_total", [("reason", "unknown-identity")])
            return finish(Self.problem(.unknownIdentity(identity), request.language))
        }
        let reply: @Sendable (DeskReply) -> Void = { [metrics] r in
            if case .problem(let p) = r, p.status == 403 { metrics.increment("contactpoint_forbidden_total", [("reason", p.slug)]) }
            // The language matters only to a problem: a 201 does not parse Accept-Language.
            if case .problem(let p) = r { finish(Self.problem(p, request.language)) } else { finishLater { Self.response(r) } }
        }
        if Self.pageTemplates.contains(template) || template == "/assets/{name}" {
            guard requirePeople(caller, request.language, finish) else { return }
            return servePage(template, parts, request.language, finish)
        }
        switch (request.method, template) {
        case ("GET", "/v1/session"):
            guard requirePeople(caller, request.language, finish) else { return }
            let (role, instance) = self.role()
            finish(Self.json(200, desk.session(for: caller, role: role, instance: instance, language: request.language)))
        case ("GET", "/v1/stats/compliance"):
            guard requirePeople(caller, request.language, finish) else { return }
            desk.compliance(for: caller, reply: reply)
        case ("POST", "/v1/requests"):
            guard let body = Self.jsonBody(request, finish) else { return }
            let forwarded = !caller.daemonCodes.isEmpty && caller.peopleCodes.isEmpty
            let document: JSONValue
            do { document = try JSONParser.parse(body) } catch { return finish(Self.problem(.notJSON(error), request.language)) }
            switch EvidenceRequest.decode(document, requireID: forwarded, newID: { RequestID.timeOrdered(at: self.desk.clock.now()).description }) {
            case .success(let r):
                // A partner daemon says when its side stored the request: deadlines count from then here too.
                var submittedAt: Instant?
                if forwarded, let text = request.headers[OutboxWorker.submittedAtHeader] {
                    guard let t = Instant(rfc3339: text) else {
                        return finish(Self.problem(.invalid(FieldProblems([FieldProblem(
                            field: OutboxWorker.submittedAtHeader, reason: "must be an RFC 3339 time with a zone")]), what: "the forwarded request"), request.language))
                    }
                    submittedAt = t
                }
                desk.submit(r, by: caller, submittedAt: submittedAt, reply: reply)
            case .failure(let problems): finish(Self.problem(.invalid(problems), request.language))
            }
        case ("GET", "/v1/requests"):
            guard requirePeople(caller, request.language, finish) else { return }
            switch Self.idPrefix(request.query) {
            case .success(let prefix): desk.requests(idPrefix: prefix, for: caller, reply: reply)
            case .failure(let p): finish(Self.problem(p, request.language))
            }
        case ("GET", "/v1/requests/{id}"):
            guard let id = Self.requestID(parts[2], request.language, finish) else { return }
            desk.get(id, by: caller, reply: reply)
        case ("POST", "/v1/requests/{id}/events"):
            guard let id = Self.requestID(parts[2], request.language, finish), let body = Self.jsonBody(request, finish) else { return }
            desk.receivePartnerEvent(id, body: body, from: caller, reply: reply)
        case ("POST", "/v1/requests/{id}/erase"):
            guard let id = Self.requestID(parts[2], request.language, finish), let body = Self.jsonBody(request, finish) else { return }
            switch Self.eraseReason(body) {
            case .success(let reason): desk.erase(id, reason: reason, by: caller, reply: reply)
            case .failure(let p): finish(Self.problem(p, request.language))
            }
        case ("GET", "/v1/requests/{id}/access-log"):
            guard let id = Self.requestID(parts[2], request.language, finish) else { return }
            desk.accessLog(id, by: caller, reply: reply)
        case ("POST", "/v1/requests/{id}/{action}"):
            guard let id = Self.requestID(parts[2], request.language, finish) else { return }
            guard let action = Action(rawValue: parts[3]) else {
                return finish(Self.problem(.notFound("no action \(parts[3]); actions: \(Action.allCases.map(\.rawValue).joined(separator: ", "))", field: "action"), request.language))
            }
            guard let body = Self.jsonBody(request, finish, allowEmpty: true) else { return }
            if !body.isEmpty, let error = Self.syntaxError(body) { return finish(Self.problem(.notJSON(error), request.language)) }
            switch ActionInput.decode(action, body: body) {
            case .success(let input): desk.act(id, input, by: caller, reply: reply)
            case .failure(let problems): finish(Self.problem(.invalid(problems, what: "action"), request.language))
            }
        case ("GET", "/v1/queue"):
            guard requirePeople(caller, request.language, finish) else { return }
            switch Self.queueFilter(request.query) {
            case .success(let filter): desk.queue(for: caller, filter: filter, reply: reply)
            case .failure(let p): finish(Self.problem(p, request.language))
            }
        case ("GET", "/v1/alerts"):
            guard requirePeople(caller, request.language, finish) else { return }
            listAlerts(request, caller, finish)
        case ("GET", "/v1/alerts/stream"):
            guard requirePeople(caller, request.language, finish) else { return }
            stream(request, caller, responder, finish)
        case ("GET", "/v1/log/checkpoint"), ("GET", "/v1/log/inclusion"), ("GET", "/v1/log/consistency"),
             ("POST", "/v1/log/add-checkpoint"), ("GET", "/v1/log/witnessed"):
            serveLog(template, request, caller, finish)
        case ("GET", "/v1/outbox"):
            guard requireSupervisor(caller, request.language, finish) else { return }
            listOutbox(request, finish)
        case ("POST", "/v1/outbox/{id}/{operation}"):
            guard requireSupervisor(caller, request.language, finish) else { return }
            operateOutbox(parts[2], parts[3], request, caller, finish)
        case ("GET", "/metrics"):
            guard caller.has(.supervisor) else {
                return finish(Self.problem(.forbidden(Message("forbidden.metrics"), field: "client_certificate"), request.language))
            }
            scrape(finish)
        default:
            finish(Self.problem(.notFound("no route \(request.path)", field: "path"), request.language))
        }
    }

    /// Renders the exposition off the Desk's queue: the Desk only hands over its counts.
    private func scrape(_ finish: @escaping @Sendable (HTTPResponse) -> Void) {
        let extra = extraGauges()
        desk.gauges { [metrics, alerts] gauges in
            DispatchQueue.global().async {
                let sse = Metrics.Gauge("contactpoint_sse_subscribers", help: "Open alert streams", [([], Double(alerts.subscriberCount))])
                let text = metrics.render(gauges: gauges + extra + [sse])
                finish(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]),
                                    body: Array(text.utf8)))
            }
        }
    }

    private func requirePeople(_ caller: Caller, _ language: Language, _ finish: (HTTPResponse) -> Void) -> Bool {
        if caller.peopleCodes.isEmpty {
            finish(Self.problem(.forbidden(Message("forbidden.people-only"), field: "client_certificate"), language))
            return false
        }
        return true
    }

    private func alertFilter(_ caller: Caller) -> @Sendable (Alert) -> Bool {
        let codes = caller.peopleCodes
        return { codes.contains($0.from) || codes.contains($0.to) }
    }

    private func listAlerts(_ request: HTTPRequest, _ caller: Caller, _ finish: (HTTPResponse) -> Void) {
        var since: Instant?
        var limit = 100
        var zone: TimeZone?
        var problems = FieldProblems()
        for (key, value) in request.query.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "tz":
                if let z = Self.timeZone(value) { zone = z } else { problems.add("tz", Message("reason.query.tz")) }
            case "since":
                if let t = Instant(rfc3339: value) { since = t } else {
                    problems.add("since", "must be an RFC 3339 time with a zone, such as 2026-11-23T08:00:00Z (write + as %2B)")
                }
            case "limit":
                if let n = Int(value), (1...10_000).contains(n) { limit = n } else { problems.add("limit", "must be a number from 1 to 10000") }
            default:
                problems.add(key, "unknown query parameter (since, limit, tz)")
            }
        }
        guard problems.isEmpty else { return finish(Self.problem(.invalid(problems, what: "query"), request.language)) }
        let list = alerts.list(since: since, limit: limit, filter: alertFilter(caller))
        finish(Self.json(200, ["count": .number(Double(list.count)), "alerts": .array(list.map { $0.json(request.language, timeZone: zone) })]))
    }

    /// An IANA time zone a reader asks for (`?tz=Asia/Ho_Chi_Minh`), for the times in alert summaries.
    static func timeZone(_ name: String) -> TimeZone? {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) })
        else { return nil }
        return TimeZone(identifier: name)
    }

    private func stream(_ request: HTTPRequest, _ caller: Caller, _ responder: HTTPResponder,
                        _ finish: @escaping @Sendable (HTTPResponse) -> Void) {
        // An alert id is a log position: 0 ... 2^63-1, as the OpenAPI document says.
        var lastID: Int64?
        let field = request.headers["Last-Event-ID"] != nil ? "Last-Event-ID" : "last_event_id"
        if let text = request.headers["Last-Event-ID"] ?? request.query["last_event_id"] {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let n = Int64(trimmed), n >= 0, trimmed.allSatisfy(\.isASCII) else {
                return finish(Self.problem(.invalid(FieldProblems([FieldProblem(
                    field: field, reason: "must be the id of an alert: a whole number from 0 to 9223372036854775807")]), what: "the stream's resume point"), request.language))
            }
            lastID = n
        }
        // A browser's EventSource cannot send Accept-Language of its own choosing: `?lang=` says it.
        let language = request.query["lang"].flatMap { Language(tag: $0) } ?? request.language
        var zone: TimeZone?
        if let name = request.query["tz"] {
            guard let z = Self.timeZone(name) else {
                return finish(Self.problem(.invalid(FieldProblems([FieldProblem(field: "tz", message: Message("reason.query.tz"))]), what: "query"), language))
            }
            zone = z
        }
        let stream = responder.startStream(status: 200, headers: HTTPHeaders([
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Content-Language", language.rawValue),
            ("Cache-Control", "no-store"), ("X-Accel-Buffering", "no"),
        ]))
        alerts.subscribe(stream, after: lastID, language: language, timeZone: zone, filter: alertFilter(caller))
        metrics.increment(Metrics.httpRequests, [("route", "/v1/alerts/stream"), ("status", "200")])
    }

    // MARK: - Helpers

    /// The routes without a parameter, by their exact path, as `match` matches them: found by one
    /// lookup, without splitting the path into an array of strings for every request.
    static let fixedPaths: [String: (parts: [String], template: String, allowed: [String])] = {
        var table: [String: (parts: [String], template: String, allowed: [String])] = [:]
        for (_, path) in routes where !path.contains("{") {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            if case (let template?, let allowed) = match(parts), template == path { table[path] = (parts, template, allowed) }
        }
        return table
    }()

    /// Matches a path to its route template, with the methods it allows.
    static func match(_ parts: [String]) -> (String?, [String]) {
        switch parts.count {
        case 1 where ["", "wall", "alerts", "compliance", "submit"].contains(parts[0]): return ("/" + parts[0], ["GET"])
        case 2 where parts[0] == "requests" && !parts[1].isEmpty: return ("/requests/{id}", ["GET"])
        case 2 where parts[0] == "assets" && !parts[1].isEmpty: return ("/assets/{name}", ["GET"])
        case 2 where parts[0] == "v1" && parts[1] == "session": return ("/v1/session", ["GET"])
        case 3 where parts[0] == "v1" && parts[1] == "stats" && parts[2] == "compliance": return ("/v1/stats/compliance", ["GET"])
        case 1 where parts[0] == "healthz": return ("/healthz", ["GET"])
        case 1 where parts[0] == "metrics": return ("/metrics", ["GET"])
        case 2 where parts[0] == "v1" && parts[1] == "requests": return ("/v1/requests", ["GET", "POST"])
        case 2 where parts[0] == "v1" && parts[1] == "queue": return ("/v1/queue", ["GET"])
        case 2 where parts[0] == "v1" && parts[1] == "alerts": return ("/v1/alerts", ["GET"])
        case 3 where parts[0] == "v1" && parts[1] == "alerts" && parts[2] == "stream": return ("/v1/alerts/stream", ["GET"])
        case 3 where parts[0] == "v1" && parts[1] == "requests" && !parts[2].isEmpty: return ("/v1/requests/{id}", ["GET"])
        case 4 where parts[0] == "v1" && parts[1] == "requests" && parts[3] == "events": return ("/v1/requests/{id}/events", ["POST"])
        case 4 where parts[0] == "v1" && parts[1] == "requests" && parts[3] == "erase": return ("/v1/requests/{id}/erase", ["POST"])
        case 4 where parts[0] == "v1" && parts[1] == "requests" && parts[3] == "access-log": return ("/v1/requests/{id}/access-log", ["GET"])
        case 4 where parts[0] == "v1" && parts[1] == "requests" && !parts[3].isEmpty: return ("/v1/requests/{id}/{action}", ["POST"])
        case 2 where parts[0] == "v1" && parts[1] == "outbox": return ("/v1/outbox", ["GET"])
        case 3 where parts[0] == "v1" && parts[1] == "log" && ["checkpoint", "inclusion", "consistency", "witnessed"].contains(parts[2]):
            return ("/v1/log/\(parts[2])", ["GET"])
        case 3 where parts[0] == "v1" && parts[1] == "log" && parts[2] == "add-checkpoint": return ("/v1/log/add-checkpoint", ["POST"])
        case 4 where parts[0] == "v1" && parts[1] == "outbox" && !parts[2].isEmpty && !parts[3].isEmpty:
            return ("/v1/outbox/{id}/{operation}", ["POST"])
        default: return (nil, [])
        }
    }

    /// `{"reason": "…"}` of an erasure: required, non-empty, at most 2,000 characters; nothing else.
    static func eraseReason(_ body: [UInt8]) -> Result<String, Problem> {
        let document: JSONValue
        do { document = try JSONParser.parse(body) } catch { return .failure(.notJSON(error)) }
        guard let o = document.objectValue else {
            return .failure(.notJSON(Message("json.body-not-object", ["fields": .verbatim("{\"reason\": \"…\"}")])))
        }
        var problems = FieldProblems()
        for key in o.keys where key != "reason" { problems.add(key, "unknown field") }
        let reason = o["reason"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if o["reason"] == nil { problems.add("reason", "required: the legal order or ground for erasing the content") }
        else if o["reason"]?.stringValue == nil { problems.add("reason", "must be a string") }
        else if reason.isEmpty { problems.add("reason", "must not be empty") }
        else if reason.count > 2000 { problems.add("reason", "at most 2000 characters") }
        guard problems.isEmpty else { return .failure(.invalid(problems, what: "erase-body")) }
        return .success(reason)
    }

    /// `?id_prefix=`: 4 to 36 characters of a request id (hex digits and dashes), case-insensitive.
    static func idPrefix(_ query: [String: String]) -> Result<String, Problem> {
        var problems = FieldProblems()
        for key in query.keys.sorted() where key != "id_prefix" { problems.add(key, "unknown query parameter (id_prefix)") }
        let prefix = (query["id_prefix"] ?? "").lowercased()
        if query["id_prefix"] == nil {
            problems.add("id_prefix", "required: the first characters of a request id, such as 2f1c7e3a")
        } else if !(4...36).contains(prefix.count) || !prefix.allSatisfy({ $0 == "-" || $0.isHexDigit }) {
            problems.add("id_prefix", "must be 4 to 36 characters of a request id (hex digits and dashes), such as 2f1c7e3a")
        }
        return problems.isEmpty ? .success(prefix) : .failure(.invalid(problems, what: "query"))
    }

    static func requestID(_ text: String, _ language: Language, _ finish: (HTTPResponse) -> Void) -> String? {
        guard let id = RequestID(text) else {
            finish(problem(.notFound("no request \(text.prefix(64)): ids are UUIDs"), language))
            return nil
        }
        return id.description
    }

    /// The body, if the content type is JSON; otherwise answers 415 and returns nil. With
    /// `allowEmpty`, no body at all (zero bytes) is an empty body; whitespace is not: it is a
    /// body, and not JSON (400).
    static func jsonBody(_ request: HTTPRequest, _ finish: (HTTPResponse) -> Void, allowEmpty: Bool = false) -> [UInt8]? {
        if allowEmpty && request.body.isEmpty { return [] }
        let type = (request.headers["Content-Type"] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
            finish(problem(Problem(status: 415, slug: "unsupported-media-type",
                                   detail: "send the body as JSON with Content-Type: application/json (got \(type.isEmpty ? "none" : type))",
                                   errors: [FieldProblem(field: "Content-Type", reason: "must be application/json")]), request.language))
            return nil
        }
        return request.body
    }

    static func syntaxError(_ body: [UInt8]) -> JSONParser.Error? {
        do { _ = try JSONParser.parse(body); return nil } catch { return error }
    }

    static func queueFilter(_ query: [String: String]) -> Result<QueueFilter, Problem> {
        var f = QueueFilter()
        var problems = FieldProblems()
        for (key, value) in query.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "overdue":
                if value == "true" { f.overdue = true } else if value == "false" { f.overdue = false } else { problems.add(key, Message("reason.query.bool")) }
            case "priority":
                if let p = Priority(rawValue: value) { f.priority = p } else { problems.add(key, Message("reason.query.priority")) }
            case "direction":
                if value == "incoming" || value == "outgoing" { f.direction = value } else { problems.add(key, Message("reason.query.direction")) }
            case "state":
                if let s = RequestState(rawValue: value) { f.state = s } else {
                    problems.add(key, Message("reason.one-of", ["values": .verbatim(RequestState.allCases.map(\.rawValue).joined(separator: ", "))]))
                }
            case "article":
                if let a = ConventionArticle(rawValue: value.uppercased()) { f.article = a } else {
                    problems.add(key, Message("reason.article-code"))
                }
            case "limit":
                if let n = Int(value), (1...100_000).contains(n) { f.limit = n } else {
                    problems.add(key, Message("reason.query.limit", ["min": .verbatim("1"), "max": .verbatim("100000")]))
                }
            default:
                problems.add(key, Message("reason.query.unknown-filter", ["names": .verbatim("overdue, priority, direction, state, article, limit")]))
            }
        }
        return problems.isEmpty ? .success(f) : .failure(.invalid(problems, what: "query"))
    }

    static func json(_ status: Int, _ body: JSONValue, location: String? = nil) -> HTTPResponse {
        json(status, encoded: body.serialized(), location: location)
    }

    static func json(_ status: Int, encoded body: [UInt8], location: String? = nil) -> HTTPResponse {
        // Request content is never kept by a browser's or a proxy's cache, nor sniffed as another type.
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
        if let location { headers.add(name: "Location", value: location) }
        var bytes = body
        bytes.append(0x0A)
        return HTTPResponse(status: status, headers: headers, body: bytes)
    }

    /// The problem as `application/problem+json` in `language` (its title, detail and reasons;
    /// the type URI and field paths stay as they are), with `Content-Language`.
    static func problem(_ p: Problem, _ language: Language = .en) -> HTTPResponse {
        var bytes = p.json(language).serialized()
        bytes.append(0x0A)
        var headers = HTTPHeaders([("Content-Type", "application/problem+json"), ("Content-Language", language.rawValue),
                                   ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
        if let seconds = p.retryAfter { headers.add(name: "Retry-After", value: String(seconds)) }
        return HTTPResponse(status: p.status, headers: headers, body: bytes)
    }

    static func response(_ reply: DeskReply, _ language: Language = .en) -> HTTPResponse {
        switch reply {
        case .ok(let status, let body, let location): return json(status, body, location: status == 201 ? location : nil)
        case .view(let status, let location, let encode): return json(status, encoded: encode(), location: status == 201 ? location : nil)
        case .problem(let p): return problem(p, language)
        }
    }
}

extension HTTPRequest {
    /// The language to answer a person in, from `Accept-Language` (docs/translating.md).
    var language: Language { Language.negotiate(acceptLanguage: headers["Accept-Language"]) }
}
