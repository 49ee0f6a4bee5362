import ContactPointModel
import ContactPointStore
import Foundation

/// An escalation, a reminder or an expiry, as people are told of it. Every alert says why
/// it fired (which deadline, which level, how late) and whom it is for.
///
/// Its `id` is the log position of the event that recorded it, so ids only grow, survive
/// restarts, and let an SSE client resume with `Last-Event-ID`.
public struct Alert: Sendable, Hashable {
    /// Why an alert fired.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// A deadline was missed; the ladder reached `level`.
        case overdue(DeadlineKind, level: Int)
        /// The preservation ends in `before`.
        case reminder(before: PolicyDuration)
        /// The preservation period ended without an MLA request.
        case expired
        /// A partner's log, or this daemon's as a partner saw it, contradicts a checkpoint
        /// cosigned earlier: a fork or a truncation (docs/audit.md §5).
        case logInconsistent(origin: String)
        /// The other side acted on the request (`event` is the event type it recorded, such as
        /// `risk-notified` or `refused`): its people learn of it without watching their queue.
        case counterpart(event: String)

        public var description: String {
            switch self {
            case .overdue(let d, let level): return "overdue(\(d.rawValue), level: \(level))"
            case .reminder(let before): return "reminder(expiry, before: \(before))"
            case .expired: return "expired"
            case .logInconsistent(let origin): return "log-inconsistent(\(origin))"
            case .counterpart(let event): return "counterpart(\(event))"
            }
        }

        var kind: String {
            switch self {
            case .overdue: return "overdue"
            case .reminder: return "reminder"
            case .expired: return "expired"
            case .logInconsistent: return "log-inconsistent"
            case .counterpart: return "counterpart"
            }
        }
    }

    /// Someone to notify: a role at a contact point, with the identities the directory knows for it.
    public struct Recipient: Sendable, Hashable {
        public var role: String
        public var contactPoint: CountryCode
        public var identities: [String]
        /// Whether the contact point is served by this daemon (otherwise: its partner daemon).
        public var local: Bool
    }

    public var id: Int64
    public var eventID: String
    public var requestID: String
    public var reference: String
    public var from: CountryCode
    public var to: CountryCode
    public var priority: Priority
    public var reason: Reason
    /// The contact point that owes the missed deadline (or, for reminders, the requesting side).
    public var contactPoint: CountryCode
    /// When the deadline (or the expiry) falls due.
    public var dueAt: Instant
    public var lateBy: PolicyDuration
    public var level: Int
    public var notify: [Recipient]
    public var at: Instant
    /// Why an escalation fired before its deadline passed (a partner refused the request for good),
    /// or what the other side did: in English, as the log records it.
    public var cause: String? = nil
    /// The same, for people in their language (a counterpart's action); nil: `cause` as it is.
    public var causeMessage: Message? = nil

    /// One readable line in English: what, which request, how late, whom.
    public var summary: String { summary(.en) }

    /// One readable line in `language` (docs/translating.md), its times for that language in
    /// `timeZone` (default UTC), the zone named; machine words (deadline kinds, priorities,
    /// codes) stay as they are.
    public func summary(_ language: Language, timeZone: TimeZone? = nil) -> String {
        summaryMessage.render(language, timeZone: timeZone)
    }

    var summaryMessage: Message {
        let names = notify.map { r in
            Message("alert.recipient", ["role": Self.roles.contains(r.role) ? Message("role.\(r.role)") : .verbatim(r.role),
                                        "code": .verbatim(r.contactPoint.code)])
        }
        let whom = names.isEmpty ? Message("alert.nobody") : .joined(names, separator: ", ")
        let head = Message.verbatim("\(reference) (\(priority.rawValue), \(from)→\(to))")
        let cause = causeMessage ?? self.cause.map(Message.verbatim)
        var args: [String: Message] = ["head": head, "whom": whom, "due": .time(dueAt), "owner": .verbatim(contactPoint.code),
                                       "level": .verbatim(String(level))]
        switch reason {
        case .overdue(let d, _):
            args["deadline"] = .verbatim(d.rawValue)
            if let cause {
                args["cause"] = cause
                return Message("alert.overdue-cause", args)
            }
            args["late"] = .duration(seconds: lateBy.seconds)
            return Message("alert.overdue", args)
        case .reminder(let before):
            args["duration"] = .duration(seconds: before.seconds)
            return Message("alert.reminder", args)
        case .expired:
            return Message("alert.expired", args)
        case .logInconsistent(let origin):
            return Message("alert.log-inconsistent", ["origin": .verbatim(origin), "partner": .verbatim(contactPoint.code),
                                                      "cause": cause ?? Message("alert.log-inconsistent-cause"), "whom": whom])
        case .counterpart:
            args["cause"] = cause ?? .verbatim("")
            return Message("alert.counterpart", args)
        }
    }

    /// The roles the catalogue names: a ladder's, and a principal named by identity.
    static let roles: Set<String> = EscalationStep.roles.union(["principal"])

    public var json: JSONValue { json(.en) }

    /// The alert as JSON, its `summary` in `language` and `timeZone`; every other member as it is.
    public func json(_ language: Language, timeZone: TimeZone? = nil) -> JSONValue {
        var o = JSONObject()
        o["id"] = .number(Double(id))
        o["event_id"] = .string(eventID)
        o["request_id"] = .string(requestID)
        o["reference"] = .string(reference)
        o["from"] = .string(from.code)
        o["to"] = .string(to.code)
        o["priority"] = .string(priority.rawValue)
        o["kind"] = .string(reason.kind)
        o["reason"] = .string(reason.description)
        if case .overdue(let d, _) = reason { o["deadline"] = .string(d.rawValue) }
        if case .reminder(let before) = reason { o["before"] = .string(before.description) }
        if case .expired = reason { o["deadline"] = "expiry" }
        if case .logInconsistent(let origin) = reason { o["origin"] = .string(origin) }
        if case .counterpart(let event) = reason { o["event"] = .string(event) }
        o["contact_point"] = .string(contactPoint.code)
        o["due_at"] = .string(dueAt.rfc3339)
        o["late_by_seconds"] = .number(Double(lateBy.seconds))
        o["level"] = .number(Double(level))
        o["notify"] = .array(notify.map {
            ["role": .string($0.role), "contact_point": .string($0.contactPoint.code),
             "identities": .array($0.identities.map(JSONValue.string)), "local": .bool($0.local)]
        })
        if let cause { o["cause"] = .string(cause) }
        o["summary"] = .string(summary(language, timeZone: timeZone))
        o["at"] = .string(at.rfc3339)
        return .object(o)
    }
}

extension Alert {
    /// The alert a recorded event raises, or nil if it raises none.
    static func from(_ stored: StoredEventContext, directory: Directory) -> Alert? {
        let record = stored.record
        let reason: Reason, dueAt: Instant, lateBy: PolicyDuration, level: Int, notify: [String], owing: CountryCode
        var cause: String?
        switch stored.event {
        case .escalated(let e):
            cause = e.cause
            reason = .overdue(e.deadline, level: e.level)
            dueAt = e.dueAt
            lateBy = e.lateBy
            level = e.level
            notify = e.notify
            owing = record.lifecycleOwner(of: e.deadline)
        case .reminded(let expiresAt, let before):
            reason = .reminder(before: before)
            dueAt = expiresAt
            lateBy = .zero
            level = 0
            notify = ["officer", "partner"]
            owing = record.from
        case .expired(let expiresAt):
            reason = .expired
            dueAt = expiresAt
            lateBy = .zero
            level = 0
            notify = ["officer", "partner"]
            owing = record.from
        default:
            return counterpartAlert(stored, directory: directory)
        }
        return Alert(
            id: stored.position, eventID: stored.eventID, requestID: record.id, reference: record.reference,
            from: record.from, to: record.to, priority: record.priority, reason: reason, contactPoint: owing,
            dueAt: dueAt, lateBy: lateBy, level: level,
            notify: Self.resolve(notify, owing: owing, record: record, directory: directory), at: stored.at, cause: cause)
    }

    /// The alert a counterpart's action raises for the side it concerns, on the daemon that
    /// serves that side (a daemon serving both sides raises it once): what the other side did,
    /// and what it now asks of this one. Sealed content (reasons, provider names) stays out:
    /// alerts go to pagers and chat rooms; the request holds the details.
    static func counterpartAlert(_ stored: StoredEventContext, directory: Directory) -> Alert? {
        let record = stored.record
        let actor: CountryCode, level: Int, text: Message
        var dueAt = stored.at
        var roles = ["officer"]
        func due(_ kind: DeadlineKind) -> Instant? {
            stored.policy.flatMap { p in record.deadlines(policy: p).first { $0.kind == kind }?.dueAt }
        }
        func say(_ key: String, _ args: [String: String] = [:], times: [String: Instant] = [:]) -> Message {
            Message("alert.cp.\(key)", args.mapValues { .verbatim($0) }.merging(times.mapValues { .time($0) }) { $1 }
                        .merging(["actor": .verbatim(actor.code)]) { $1 })
        }
        func providerReference(_ r: String) -> Message { r.isEmpty ? Message("alert.cp.reference-in-request") : .verbatim(r) }
        switch stored.event {
        case .preserved(let reference, let partial, let expires):
            actor = record.to; level = 0
            text = Message("alert.cp.\(partial ? "preserved-partial" : "preserved")",
                           ["actor": .verbatim(actor.code), "reference": providerReference(reference), "expires": .time(expires)])
        case .disclosed(let reference, _):
            actor = record.to; level = 0
            text = Message("alert.cp.disclosed", ["actor": .verbatim(actor.code), "reference": providerReference(reference)])
        case .noDataReported:
            actor = record.to; level = 0
            text = say("no-data")
        case .refused(let ground, _):
            actor = record.to; level = 0
            text = say("refused", ["ground": ground.rawValue])
        case .riskNotified:
            actor = record.to; level = 1
            let by = due(.answerRisk)
            if let by { dueAt = by }
            text = by.map { say("risk-notified-by", ["requester": record.from.code], times: ["due": $0]) }
                ?? say("risk-notified", ["requester": record.from.code])
        case .trafficDisclosed(let providers, _):
            actor = record.to; level = 1
            // Only a provider in a third State calls for a follow-on (the drafts of the request's view).
            let third = Array(Set(providers.map(\.country).filter { $0 != record.from && $0 != record.to }.map(\.code))).sorted()
            text = third.isEmpty ? say("traffic-none") : say("traffic-third", ["countries": third.joined(separator: ", "), "id": record.id])
        case .proceeded:
            actor = record.from; level = 0
            let by = due(.preserve)
            if let by { dueAt = by }
            text = by.map { say("proceeded-by", times: ["due": $0]) } ?? say("proceeded")
        case .extended(let expires, _):
            actor = record.from; level = 0
            text = say("extended", times: ["expires": expires])
        case .mlaLinked(let reference, _):
            actor = record.from; level = 0; roles = ["officer", "central_authority"]
            text = say("mla-linked", ["reference": reference])
        case .withdrawn:
            actor = record.from; level = 0
            text = say("withdrawn")
        case .released:
            actor = record.to; level = 0
            text = say("released")
        case .partnerErased(let why, _):
            let local = directory.localCodes
            actor = local.contains(record.from) ? record.to : record.from; level = 0
            text = say(why == "retention" ? "partner-erased-retention" : "partner-erased-order")
        default:
            return nil
        }
        let concerned = actor == record.from ? record.to : record.from
        guard directory.localCodes.contains(concerned) else { return nil }  // the partner's daemon tells its people
        return Alert(
            id: stored.position, eventID: stored.eventID, requestID: record.id, reference: record.reference,
            from: record.from, to: record.to, priority: record.priority, reason: .counterpart(event: stored.event.type),
            contactPoint: concerned, dueAt: dueAt, lateBy: .zero, level: level,
            notify: resolve(roles, owing: concerned, record: record, directory: directory).filter { $0.role == "officer" || !$0.identities.isEmpty },
            at: stored.at, cause: text.render(.en), causeMessage: text)
    }

    /// Turns ladder names into recipients. `officer`, `supervisor`, `head_of_unit` and
    /// `central_authority` are the people of the party that must act, if this daemon serves
    /// it, else of the local party waiting for it (a head of unit falls back to the supervisors);
    /// `partner` is the other party; any other name is a principal identity.
    static func resolve(_ names: [String], owing: CountryCode, record: CaseRecord, directory: Directory) -> [Recipient] {
        let local = directory.localCodes
        let other = owing == record.from ? record.to : record.from
        let mine = local.contains(owing) ? owing : other
        let partner = mine == owing ? other : owing
        return names.map { name in
            switch name {
            case "officer", "supervisor", "head_of_unit", "central_authority":
                let role = Directory.Role(rawValue: name) ?? .officer
                var identities = directory.identities(role, at: mine)
                // A contact point that lists no head of unit has its supervisors paged instead:
                // the top of a ladder never reaches nobody (emergencies are never silenced).
                if identities.isEmpty && role == .headOfUnit { identities = directory.identities(.supervisor, at: mine) }
                return Recipient(role: name, contactPoint: mine, identities: identities, local: local.contains(mine))
            case "partner":
                return Recipient(role: "partner", contactPoint: partner,
                                 identities: directory.identities(.officer, at: partner), local: local.contains(partner))
            default:
                let cp = directory.principals(for: name).first?.contactPoint ?? mine
                return Recipient(role: "principal", contactPoint: cp, identities: [name], local: local.contains(cp))
            }
        }
    }
}

/// What `Alert.from` needs of a just-recorded event.
struct StoredEventContext {
    var position: Int64
    var eventID: String
    var at: Instant
    var event: CaseEvent
    var record: CaseRecord
    /// The policy in force, for the deadline an alert names (nil: the event's time).
    var policy: DeadlinePolicy? = nil
}

extension CaseRecord {
    /// The contact point that owes a deadline.
    func lifecycleOwner(of deadline: DeadlineKind) -> CountryCode {
        switch deadline {
        case .acknowledge, .preserve, .disclose: return to
        case .deliver, .answerRisk, .expiry: return from
        }
    }
}

extension Alert {
    /// The alert an event of the log itself raises (docs/audit.md §7), or nil for another type.
    /// Its people are the supervisors and officers of the contact points served here.
    static func logEvent(_ stored: StoredEvent, directory: Directory) -> Alert? {
        let e = stored.event
        guard e.requestID.isEmpty, e.type == "log-inconsistent" else { return nil }
        let origin = e.payload["origin"]?.stringValue ?? "?"
        let partner = e.payload["partner"]?.stringValue.flatMap(CountryCode.init) ?? directory.localCodes.sorted { $0.code < $1.code }.first
        let local = directory.localCodes.sorted { $0.code < $1.code }
        guard let partner, let here = local.first else { return nil }
        let notify = local.flatMap { code in
            [Recipient(role: "supervisor", contactPoint: code, identities: directory.identities(.supervisor, at: code), local: true),
             Recipient(role: "officer", contactPoint: code, identities: directory.identities(.officer, at: code), local: true)]
        }
        return Alert(id: stored.position, eventID: e.id, requestID: "", reference: origin, from: partner, to: here,
                     priority: .emergency, reason: .logInconsistent(origin: origin), contactPoint: partner, dueAt: e.at,
                     lateBy: .zero, level: 0, notify: notify, at: e.at, cause: e.payload["reason"]?.stringValue)
    }
}
