import ContactPointModel
import ContactPointStore

/// An RFC 9457 problem: every error the API answers, with the field and the reason.
public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    /// The last part of the problem type URI, `urn:contactpoint:problem:<slug>`.
    public var slug: String
    public var title: String
    public var detail: String
    public var errors: [FieldProblem]
    /// Seconds after which the same request may succeed (`Retry-After`), for a 503.
    public var retryAfter: Int?

    public init(status: Int, slug: String, title: String, detail: String, errors: [FieldProblem] = []) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    public var type: String { "urn:contactpoint:problem:\(slug)" }

    public var json: JSONValue {
        var o = JSONObject()
        o["type"] = .string(type)
        o["title"] = .string(title)
        o["status"] = .number(Double(status))
        o["detail"] = .string(detail)
        o["errors"] = .array(errors.map(\.json))
        return .object(o)
    }

    public var description: String { "\(status) \(title): \(detail)" }

    // MARK: The problems the API answers

    static func invalid(_ problems: FieldProblems, what: String = "the request") -> Problem {
        let n = problems.all.count
        return Problem(status: 422, slug: "validation-failed", title: "Invalid input",
                       detail: "\(what) has \(n) problem\(n == 1 ? "" : "s"): \(problems.description)", errors: problems.all)
    }

    static func notJSON(_ reason: String) -> Problem {
        Problem(status: 400, slug: "malformed-json", title: "Malformed JSON", detail: reason,
                errors: [FieldProblem(field: "", reason: reason)])
    }

    static func forbidden(_ detail: String, field: String = "") -> Problem {
        Problem(status: 403, slug: "forbidden", title: "Forbidden", detail: detail,
                errors: [FieldProblem(field: field, reason: detail)])
    }

    static func unknownIdentity(_ identity: String) -> Problem {
        forbidden("certificate identity \"\(identity)\" is not in this daemon's directory", field: "client_certificate")
    }

    static func notFound(_ what: String, field: String = "id") -> Problem {
        Problem(status: 404, slug: "not-found", title: "Not found", detail: what, errors: [FieldProblem(field: field, reason: "not found")])
    }

    static func conflict(_ detail: String, field: String, state: RequestState? = nil) -> Problem {
        var p = Problem(status: 409, slug: state == nil ? "conflict" : "state-conflict", title: "Conflict", detail: detail,
                        errors: [FieldProblem(field: field, reason: detail)])
        if state != nil { p.title = "Not allowed in the current state" }
        return p
    }

    static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> Problem {
        Problem(status: 405, slug: "method-not-allowed", title: "Method not allowed",
                detail: "\(method) is not allowed on \(path); use \(allowed.joined(separator: " or "))",
                errors: [FieldProblem(field: "method", reason: "use \(allowed.joined(separator: " or "))")])
    }

    static func unavailable(_ detail: String) -> Problem {
        Problem(status: 503, slug: "unavailable", title: "Service unavailable", detail: detail,
                errors: [FieldProblem(field: "", reason: detail)])
    }

    /// A read whose access-log record could not be made durable: nothing of the content is shown.
    static func readNotRecorded() -> Problem {
        Problem(status: 500, slug: "storage-failed", title: "Not recorded",
                detail: "the read could not be recorded in the access log, so the content is not shown (an action answered with it is stored)",
                errors: [FieldProblem(field: "", reason: "storage failure")])
    }

    /// A store failure, by kind: the database out of reach (PostgreSQL down or failing over) is
    /// a 503 to retry shortly; a write that met another daemon's write to the same request (a
    /// pair on one PostgreSQL) is a 409 to send again; anything else is a 500.
    static func storage(_ error: StoreError) -> Problem {
        if error.isUnavailable {
            var p = unavailable("the event store cannot be reached now, nothing was changed; try again shortly: \(error.message)")
            p.retryAfter = 2
            return p
        }
        if error.code == StoreError.commitUnknown {
            var p = unavailable("the event store went away while committing: the change may or may not be stored; "
                                + "send it again (a request or event sent again with the same id is stored once): \(error.message)")
            p.retryAfter = 2
            return p
        }
        if error.code == StoreError.notLeader {
            var p = unavailable("this daemon lost the leadership of its contact point while recording, nothing was changed: \(error.message)")
            p.retryAfter = 1
            return p
        }
        if error.isConstraint && error.message.contains("conflicts with the log") {
            return conflict("another daemon of this contact point recorded an event for this request at the same moment; "
                            + "nothing was changed: send it again", field: "id")
        }
        return storage(error.message)
    }

    static func storage(_ detail: String) -> Problem {
        Problem(status: 500, slug: "storage-failed", title: "Not stored",
                detail: "the event could not be stored durably, nothing was changed: \(detail)",
                errors: [FieldProblem(field: "", reason: "storage failure")])
    }

    static func lifecycle(_ refusal: LifecycleRefusal) -> Problem {
        switch refusal {
        case .wrongSide(let action, let required):
            let detail = "\(action.rawValue) is taken by the \(required.rawValue) side of the request, and you act for the other side"
            return Problem(status: 403, slug: "wrong-side", title: "Forbidden", detail: detail,
                           errors: [FieldProblem(field: "action", reason: detail)])
        case .notAllowed(let action, let state):
            return conflict(refusal.description, field: "state", state: state).with(errors: [
                FieldProblem(field: "state", reason: "is \(state.rawValue); \(action.rawValue) is not allowed"),
            ])
        case .notAllowedSystem(_, let state):
            return conflict(refusal.description, field: "state", state: state)
        case .invalid(let problems):
            return invalid(problems, what: "the action")
        }
    }

    func with(slug: String? = nil, detail: String? = nil, errors: [FieldProblem]? = nil) -> Problem {
        var p = self
        if let slug { p.slug = slug }
        if let detail { p.detail = detail }
        if let errors { p.errors = errors }
        return p
    }
}
