import ContactPointModel
import ContactPointStore
import Dispatch
import HTTP1

/// The outbox, for supervisors: what waits to go out and what a receiver refused for good
/// (`GET /v1/outbox?state=parked`), and what to do with a parked message
/// (`POST /v1/outbox/{id}/retry` or `/drop`, with `{"reason": "..."}`). See docs/api.md.
extension Router {
    func requireSupervisor(_ caller: Caller, _ language: Language, _ finish: (HTTPResponse) -> Void) -> Bool {
        guard caller.has(.supervisor) else {
            finish(Self.problem(.forbidden(Message("forbidden.outbox"), field: "client_certificate"), language))
            return false
        }
        return true
    }

    func listOutbox(_ request: HTTPRequest, _ finish: @escaping @Sendable (HTTPResponse) -> Void) {
        var state: String?
        var limit = 100
        var problems = FieldProblems()
        for (key, value) in request.query.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "state":
                if ["waiting", "parked"].contains(value) { state = value } else { problems.add(key, "must be waiting or parked") }
            case "limit":
                if let n = Int(value), (1...1000).contains(n) { limit = n } else { problems.add(key, "must be a number from 1 to 1000") }
            default:
                problems.add(key, "unknown query parameter (state, limit)")
            }
        }
        guard problems.isEmpty else { return finish(Self.problem(.invalid(problems, what: "the query"), request.language)) }
        guard let outbox else { return finish(Self.problem(.unavailable("this daemon has no outbox worker"), request.language)) }
        outbox.entries(state: state, limit: limit) { result in
            switch result {
            case .success(let entries):
                finish(Self.json(200, ["count": .number(Double(entries.count)), "messages": .array(entries.map(\.json))]))
            case .failure(let error):
                finish(Self.problem(.storage(error), request.language))
            }
        }
    }

    func operateOutbox(_ idText: String, _ operation: String, _ request: HTTPRequest, _ caller: Caller,
                       _ finish: @escaping @Sendable (HTTPResponse) -> Void) {
        guard let id = Int64(idText), id > 0 else {
            return finish(Self.problem(.notFound("no outbox message \(idText.prefix(32)): ids are positive numbers"), request.language))
        }
        guard operation == "retry" || operation == "drop" else {
            return finish(Self.problem(.notFound("no outbox operation \(operation.prefix(32)); operations: retry, drop", field: "operation"), request.language))
        }
        guard let body = Self.jsonBody(request, finish) else { return }
        let document: JSONValue
        do { document = try JSONParser.parse(body) } catch { return finish(Self.problem(.notJSON(error), request.language)) }
        var problems = FieldProblems()
        let reason = document["reason"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if document.objectValue == nil { problems.add("", "the body must be a JSON object {\"reason\": \"...\"}") }
        if reason.isEmpty { problems.add("reason", "required: why the message is \(operation == "retry" ? "sent again" : "dropped")") }
        if reason.count > 1000 { problems.add("reason", "at most 1000 characters") }
        for key in document.objectValue?.keys ?? [] where key != "reason" { problems.add(key, "unknown field") }
        guard problems.isEmpty else { return finish(Self.problem(.invalid(problems, what: "the \(operation) body"), request.language)) }
        guard let outbox else { return finish(Self.problem(.unavailable("this daemon has no outbox worker"), request.language)) }
        outbox.resolve(id, retry: operation == "retry", by: caller.identity, reason: reason) { result in
            switch result {
            case .success(let entry): finish(Self.json(200, entry.json))
            case .failure(let problem): finish(Self.problem(problem, request.language))
            }
        }
    }
}

extension OutboxEntry {
    /// The message as `GET /v1/outbox` lists it (its body is not shown: it may hold a whole request).
    var json: JSONValue {
        var o = JSONObject()
        o["id"] = .number(Double(id))
        o["state"] = .string(state)
        o["destination"] = .string(message.destination)
        o["kind"] = .string(message.kind)
        if let e = message.eventID { o["event_id"] = .string(e) }
        if let r = message.requestID { o["request_id"] = .string(r) }
        o["created_at"] = .string(createdAt.rfc3339)
        o["attempts"] = .number(Double(attempts))
        if state == "waiting" { o["next_attempt_at"] = .string(nextAttemptAt.rfc3339) }
        if let e = lastError { o["last_error"] = .string(e) }
        if let p = parkedAt { o["parked_at"] = .string(p.rfc3339) }
        if let d = droppedAt { o["dropped_at"] = .string(d.rfc3339) }
        if let r = resolution { o["resolution"] = .string(r) }
        return .object(o)
    }
}
