import ContactPointModel
import ContactPointStore

/// An RFC 9457 problem: every error the API answers, with the field and the reason.
public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    /// The last part of the problem type URI, `urn:contactpoint:problem:<slug>`.
    public var slug: String
    public var titleMessage: Message
    public var detailMessage: Message
    public var errors: [FieldProblem]
    /// Seconds after which the same request may succeed (`Retry-After`), for a 503.
    public var retryAfter: Int?

    public init(status: Int, slug: String, title: Message, detail: Message, errors: [FieldProblem] = []) {
        self.status = status
        self.slug = slug
        self.titleMessage = title
        self.detailMessage = detail
        self.errors = errors
    }

    /// A problem whose detail has no catalogue entry (a store's or a parser's message): its
    /// title is the slug's (`problem.<slug>.title`).
    public init(status: Int, slug: String, detail: String, errors: [FieldProblem] = []) {
        self.init(status: status, slug: slug, title: Message("problem.\(slug).title"), detail: .verbatim(detail), errors: errors)
    }

    public var type: String { "urn:contactpoint:problem:\(slug)" }
    /// The title and detail in English.
    public var title: String { titleMessage.render(.en) }
    public var detail: String { detailMessage.render(.en) }

    /// The problem+json body in `language`.
    public func json(_ language: Language) -> JSONValue {
        var o = JSONObject()
        o["type"] = .string(type)
        o["title"] = .string(titleMessage.render(language))
        o["status"] = .number(Double(status))
        o["detail"] = .string(detailMessage.render(language))
        o["errors"] = .array(errors.map { $0.json(language) })
        return .object(o)
    }

    public var json: JSONValue { json(.en) }

    public var description: String { "\(status) \(title): \(detail)" }

    // MARK: The problems the API answers

    static func invalid(_ problems: FieldProblems, what: String = "request") -> Problem {
        let list = Message.joined(problems.all.map { p in
            p.field.isEmpty ? p.message : .joined([.verbatim(p.field + ": "), p.message], separator: "")
        }, separator: "; ")
        let whatMessage = ["request", "action", "query", "erase-body"].contains(what) ? Message("what.\(what)") : .verbatim(what)
        return Problem(status: 422, slug: "validation-failed", title: Message("problem.validation-failed.title"),
                       detail: Message("problem.validation-failed.detail", ["what": whatMessage, "list": list], count: problems.all.count),
                       errors: problems.all)
    }

    static func notJSON(_ reason: String) -> Problem { notJSON(.verbatim(reason)) }

    static func notJSON(_ reason: Message) -> Problem {
        Problem(status: 400, slug: "malformed-json", title: Message("problem.malformed-json.title"), detail: reason,
                errors: [FieldProblem(field: "", message: reason)])
    }

    /// A body that is not JSON, its byte offset and reason in the reader's language.
    static func notJSON(_ error: JSONParser.Error) -> Problem { notJSON(error.positioned) }

    static func forbidden(_ detail: String, field: String = "") -> Problem {
        forbidden(.verbatim(detail), field: field)
    }

    static func forbidden(_ detail: Message, field: String = "") -> Problem {
        Problem(status: 403, slug: "forbidden", title: Message("problem.forbidden.title"), detail: detail,
                errors: [FieldProblem(field: field, message: detail)])
    }

    static func unknownIdentity(_ identity: String) -> Problem {
        forbidden(Message("problem.unknown-identity.detail", ["identity": .verbatim(identity)]), field: "client_certificate")
    }

    static func notFound(_ what: String, field: String = "id") -> Problem {
        notFound(.verbatim(what), field: field)
    }

    static func notFound(_ what: Message, field: String = "id") -> Problem {
        Problem(status: 404, slug: "not-found", title: Message("problem.not-found.title"), detail: what,
                errors: [FieldProblem(field: field, message: Message("reason.not-found"))])
    }

    static func conflict(_ detail: String, field: String, state: RequestState? = nil) -> Problem {
        conflict(.verbatim(detail), field: field, state: state)
    }

    static func conflict(_ detail: Message, field: String, state: RequestState? = nil) -> Problem {
        let p = Problem(status: 409, slug: state == nil ? "conflict" : "state-conflict", title: .verbatim(""), detail: detail,
                        errors: [FieldProblem(field: field, message: detail)])
        return p.with(title: Message("problem.\(p.slug).title"))
    }

    static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> Problem {
        let use = Message.verbatim(allowed.joined(separator: " | "))
        return Problem(status: 405, slug: "method-not-allowed", title: Message("problem.method-not-allowed.title"),
                       detail: Message("problem.method-not-allowed.detail", ["method": .verbatim(method), "path": .verbatim(path), "allowed": use]),
                       errors: [FieldProblem(field: "method", message: Message("reason.use-methods", ["allowed": use]))])
    }

    static func unavailable(_ detail: String) -> Problem {
        unavailable(.verbatim(detail))
    }

    static func unavailable(_ detail: Message) -> Problem {
        Problem(status: 503, slug: "unavailable", title: Message("problem.unavailable.title"), detail: detail,
                errors: [FieldProblem(field: "", message: detail)])
    }

    /// A read whose access-log record could not be made durable: nothing of the content is shown.
    static func readNotRecorded() -> Problem {
        Problem(status: 500, slug: "storage-failed", title: Message("problem.not-recorded.title"),
                detail: Message("problem.not-recorded.detail"),
                errors: [FieldProblem(field: "", message: Message("reason.storage-failure"))])
    }

    /// A store failure, by kind: the database out of reach (PostgreSQL down or failing over) is
    /// a 503 to retry shortly; a write that met another daemon's write to the same request (a
    /// pair on one PostgreSQL) is a 409 to send again; anything else is a 500.
    static func storage(_ error: StoreError) -> Problem {
        let reason: [String: Message] = ["reason": .verbatim(error.message)]
        if error.isUnavailable {
            var p = unavailable(Message("problem.store-unreachable.detail", reason))
            p.retryAfter = 2
            return p
        }
        if error.code == StoreError.commitUnknown {
            var p = unavailable(Message("problem.commit-unknown.detail", reason))
            p.retryAfter = 2
            return p
        }
        if error.code == StoreError.notLeader {
            var p = unavailable(Message("problem.not-leader.detail", reason))
            p.retryAfter = 1
            return p
        }
        if error.isConstraint && error.message.contains("conflicts with the log") {
            return conflict(Self.concurrentWriteDetail, field: "id")
        }
        return storage(error.message)
    }

    private static let concurrentWriteDetail = Message("problem.concurrent-write.detail")

    /// The store refused a write because another daemon of the pair had just written to the
    /// same request (`storage(_:)`): nothing changed, and what the log now holds decides.
    var isConcurrentWrite: Bool { status == 409 && detailMessage == Self.concurrentWriteDetail }

    static func storage(_ detail: String) -> Problem {
        Problem(status: 500, slug: "storage-failed", title: Message("problem.storage-failed.title"),
                detail: Message("problem.storage-failed.detail", ["reason": .verbatim(detail)]),
                errors: [FieldProblem(field: "", message: Message("reason.storage-failure"))])
    }

    static func lifecycle(_ refusal: LifecycleRefusal) -> Problem {
        switch refusal {
        case .wrongSide(let action, let required):
            let detail = Message("problem.wrong-side.detail", ["action": .verbatim(action.rawValue), "side": .verbatim(required.rawValue)])
            return Problem(status: 403, slug: "wrong-side", title: Message("problem.forbidden.title"), detail: detail,
                           errors: [FieldProblem(field: "action", message: detail)])
        case .notAllowed(let action, let state):
            let allowed = Action.allCases.filter { $0.allowedIn.contains(state) }.map(\.rawValue)
            let detail = allowed.isEmpty
                ? Message("problem.not-allowed-end.detail", ["action": .verbatim(action.rawValue), "state": .verbatim(state.rawValue)])
                : Message("problem.not-allowed.detail", ["action": .verbatim(action.rawValue), "state": .verbatim(state.rawValue),
                                                          "allowed": .verbatim(allowed.joined(separator: ", "))])
            return conflict(detail, field: "state", state: state).with(errors: [
                FieldProblem(field: "state", message: Message("reason.state-not-allowed", ["state": .verbatim(state.rawValue),
                                                                                          "action": .verbatim(action.rawValue)])),
            ])
        case .notAllowedSystem(_, let state):
            return conflict(refusal.description, field: "state", state: state)
        case .invalid(let problems):
            return invalid(problems, what: "action")
        }
    }

    func with(slug: String? = nil, title: Message? = nil, detail: String? = nil, errors: [FieldProblem]? = nil) -> Problem {
        var p = self
        if let title { p.titleMessage = title }
        if let slug { p.slug = slug }
        if let detail { p.detailMessage = .verbatim(detail) }
        if let errors { p.errors = errors }
        return p
    }
}
