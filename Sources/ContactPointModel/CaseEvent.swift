/// Something that happened to a request: one entry of its history and of the audit chain.
///
/// Events record outcomes, not inputs: `preserved` carries the expiry the policy gave at
/// that moment, so replaying the log rebuilds the same state whatever the policy is now.
public enum CaseEvent: Sendable, Hashable {
    case submitted(EvidenceRequest)
    /// The requested side's daemon stored the request; `by` is its certificate identity.
    case delivered(by: String)
    case acknowledged
    case preserved(providerReference: String, partial: Bool, expiresAt: Instant)
    /// An emergency disclosure: the data were provided, under `providerReference`, and handed over as `handedOver` says.
    case disclosed(providerReference: String, handedOver: String)
    case noDataReported(reason: String)
    case refused(ground: RefusalGround, reason: String)
    case riskNotified(reason: String)
    case trafficDisclosed(providers: [ServiceProvider], pathSummary: String)
    case proceeded
    case extended(expiresAt: Instant, previous: Instant)
    case mlaLinked(reference: String, sentAt: Instant)
    case withdrawn(reason: String)
    case released(reason: String)
    case expired(expiresAt: Instant)
    case escalated(Escalation)
    case reminded(expiresAt: Instant, before: PolicyDuration)
    /// The request's content was erased here by destroying its data keys: `why` is
    /// `retention` (the policy's `retention.after_end`) or `order` (a supervisor's legal order).
    case contentErased(why: String, reason: String)
    /// The other party's daemon reports that it erased its copy (this side keeps its own,
    /// under its own retention).
    case partnerErased(why: String, reason: String)

    /// The event's type as stored and shown in history.
    public var type: String {
        switch self {
        case .submitted: return "submitted"
        case .delivered: return "delivered"
        case .acknowledged: return "acknowledged"
        case .preserved: return "preserved"
        case .disclosed: return "disclosed"
        case .noDataReported: return "no-data-reported"
        case .refused: return "refused"
        case .riskNotified: return "risk-notified"
        case .trafficDisclosed: return "traffic-disclosed"
        case .proceeded: return "proceeded"
        case .extended: return "extended"
        case .mlaLinked: return "mla-linked"
        case .withdrawn: return "withdrawn"
        case .released: return "released"
        case .expired: return "expired"
        case .escalated: return "escalated"
        case .reminded: return "reminded"
        case .contentErased: return "content-erased"
        case .partnerErased: return "partner-erased"
        }
    }

    /// The action that produced this event, if a person's action did.
    public var action: Action? {
        switch self {
        case .acknowledged: return .acknowledge
        case .preserved: return .preserve
        case .disclosed: return .disclose
        case .noDataReported: return .reportNoData
        case .refused: return .refuse
        case .riskNotified: return .notifyRisk
        case .trafficDisclosed: return .discloseTraffic
        case .proceeded: return .proceed
        case .extended: return .extend
        case .mlaLinked: return .linkMLA
        case .withdrawn: return .withdraw
        case .released: return .release
        default: return nil
        }
    }
}

/// One step up an escalation ladder, and why: which deadline was missed, when it was due,
/// how late it is now, which level this is, and whom to notify.
public struct Escalation: Sendable, Hashable {
    public var deadline: DeadlineKind
    public var dueAt: Instant
    public var level: Int
    /// Roles (`officer`, `supervisor`, `partner`) or principal identities, as the policy names them.
    public var notify: [String]
    public var lateBy: PolicyDuration
    /// Why it fired before its time, when it did: a partner refused the request for good, so
    /// the deliver deadline cannot be met (`nil` for a deadline simply missed).
    public var cause: String?

    public init(deadline: DeadlineKind, dueAt: Instant, level: Int, notify: [String], lateBy: PolicyDuration, cause: String? = nil) {
        self.deadline = deadline
        self.dueAt = dueAt
        self.level = level
        self.notify = notify
        self.lateBy = lateBy
        self.cause = cause
    }
}
