import ContactPointModel
import ContactPointStore

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
    /// Why an escalation fired before its deadline passed (a partner refused the request for good).
    public var cause: String? = nil

    /// One readable line: what, which request, how late, whom.
    public var summary: String {
        let names = notify.map { "\($0.role) \($0.contactPoint)" }.joined(separator: ", ")
        let whom = names.isEmpty ? "nobody further" : names
        let head = "\(reference) (\(priority.rawValue), \(from)→\(to))"
        switch reason {
        case .overdue(let d, let level):
            if let cause {
                return "\(head): \(d.rawValue) by \(contactPoint), due \(dueAt.rfc3339), cannot be met: \(cause); level \(level): notify \(whom)"
            }
            return "\(head): \(d.rawValue) by \(contactPoint) was due \(dueAt.rfc3339), \(lateBy.humanReadable) late; level \(level): notify \(whom)"
        case .reminder(let before):
            return "\(head): preservation expires \(dueAt.rfc3339), in \(before); notify \(whom)"
        case .expired:
            return "\(head): preservation expired \(dueAt.rfc3339) with no MLA request linked; notify \(whom)"
        case .logInconsistent(let origin):
            return "LOG INCONSISTENT: \(origin) (partner \(contactPoint)): \(cause ?? "a checkpoint contradicts one cosigned earlier"); notify \(whom)"
        case .counterpart:
            return "\(head): \(cause ?? "the other side acted"); notify \(whom)"
        }
    }

    public var json: JSONValue {
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
        o["summary"] = .string(summary)
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
        let actor: CountryCode, level: Int, text: String
        var dueAt = stored.at
        var roles = ["officer"]
        func due(_ kind: DeadlineKind) -> Instant? {
            stored.policy.flatMap { p in record.deadlines(policy: p).first { $0.kind == kind }?.dueAt }
        }
        switch stored.event {
        case .preserved(let reference, let partial, let expires):
            actor = record.to; level = 0
            text = "\(record.to) preserved \(partial ? "part of " : "")the data (provider reference \(reference.isEmpty ? "in the request" : reference)) until \(expires.rfc3339)"
        case .disclosed(let reference, _):
            actor = record.to; level = 0
            text = "\(record.to) disclosed the data (emergency; provider reference \(reference.isEmpty ? "in the request" : reference)); the request holds how they were handed over"
        case .noDataReported:
            actor = record.to; level = 0
            text = "\(record.to) reported no data to preserve; the request has ended"
        case .refused(let ground, _):
            actor = record.to; level = 0
            text = "\(record.to) refused the request (ground: \(ground.rawValue)); the request has ended"
        case .riskNotified:
            actor = record.to; level = 1
            let by = due(.answerRisk)
            if let by { dueAt = by }
            text = "\(record.to) notified that preservation would not ensure availability or would threaten confidentiality "
                + "(UN art. 42, Budapest art. 29(6)): \(record.from) must answer proceed or withdraw\(by.map { " by \($0.rfc3339)" } ?? "")"
        case .trafficDisclosed(let providers, _):
            actor = record.to; level = 1
            // Only a provider in a third State calls for a follow-on (the drafts of the request's view).
            let third = Array(Set(providers.map(\.country).filter { $0 != record.from && $0 != record.to }.map(\.code))).sorted()
            if third.isEmpty {
                text = "\(record.to) disclosed traffic data (UN art. 43, Budapest art. 30) naming no provider in a third State: no follow-on request is needed"
            } else {
                text = "\(record.to) disclosed traffic data naming a provider in \(third.joined(separator: ", ")) "
                    + "(UN art. 43, Budapest art. 30): a follow-on request there is needed (poc submit --from-disclosure \(record.id))"
            }
        case .proceeded:
            actor = record.from; level = 0
            let by = due(.preserve)
            if let by { dueAt = by }
            text = "\(record.from) answered the risk notice: proceed; preserve\(by.map { " by \($0.rfc3339)" } ?? "")"
        case .extended(let expires, _):
            actor = record.from; level = 0
            text = "\(record.from) extended the preservation until \(expires.rfc3339)"
        case .mlaLinked(let reference, _):
            actor = record.from; level = 0; roles = ["officer", "central_authority"]
            text = "\(record.from) sent the mutual legal assistance request \(reference): preserve until it is decided (no expiry)"
        case .withdrawn:
            actor = record.from; level = 0
            text = "\(record.from) withdrew the request; the preserved data may be released"
        case .released:
            actor = record.to; level = 0
            text = "\(record.to) released the preservation; the request has ended"
        case .partnerErased(let why, _):
            let local = directory.localCodes
            actor = local.contains(record.from) ? record.to : record.from; level = 0
            text = "\(actor) erased its copy of the request's content (\(why == "retention" ? "its retention period ended" : "a legal order")); this copy is not affected"
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
            at: stored.at, cause: text)
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
