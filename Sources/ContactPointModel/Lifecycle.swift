/// The life of one request, as a state machine: which side may take which action in which
/// state, what each transition records, and which deadlines each state carries.
///
/// Event-sourced: `decide` checks an input against the current state and returns the event
/// to record (or why not); `apply` folds a recorded event into the state. Replaying the
/// log with `apply` rebuilds exactly the state the daemon had. `apply` re-checks the
/// transition, so a corrupt log or a partner's impossible event is refused, not absorbed.
public struct Lifecycle: Sendable, Hashable {
    /// When the requesting daemon stored the request: the base of deliver, acknowledge and preserve.
    public private(set) var submittedAt: Instant
    // The other times are stored as raw milliseconds with a sentinel for "not yet" (8 bytes
    // instead of 16 for an Optional): a million open requests are held in memory.
    var times = Times()
    // Last, so that the one-byte state does not pad the eight-byte times apart (81 bytes, not 88,
    // where a record holds it).
    public internal(set) var state: RequestState

    struct Times: Hashable, Sendable {
        static let none = Int64.min
        var delivered = none, acknowledged = none, riskNotified = none, proceeded = none, preserved = none
        var expires = none, expirySet = none, mlaLinked = none, ended = none
    }

    static func instant(_ raw: Int64) -> Instant? { raw == Times.none ? nil : Instant(millisecondsSince1970: raw) }
    static func raw(_ t: Instant?) -> Int64 { t?.millisecondsSince1970 ?? Times.none }

    public private(set) var deliveredAt: Instant? {
        get { Self.instant(times.delivered) }
        set { times.delivered = Self.raw(newValue) }
    }
    public private(set) var acknowledgedAt: Instant? {
        get { Self.instant(times.acknowledged) }
        set { times.acknowledged = Self.raw(newValue) }
    }
    public private(set) var riskNotifiedAt: Instant? {
        get { Self.instant(times.riskNotified) }
        set { times.riskNotified = Self.raw(newValue) }
    }
    /// When the requesting side chose to proceed after a risk notice: the new base of the preserve deadline.
    public private(set) var proceededAt: Instant? {
        get { Self.instant(times.proceeded) }
        set { times.proceeded = Self.raw(newValue) }
    }
    public private(set) var preservedAt: Instant? {
        get { Self.instant(times.preserved) }
        set { times.preserved = Self.raw(newValue) }
    }
    /// The end of the preservation period; nil before preservation. Kept, but not running, while an MLA request is pending.
    public private(set) var expiresAt: Instant? {
        get { Self.instant(times.expires) }
        set { times.expires = Self.raw(newValue) }
    }
    /// When the current expiry was set (preservation or the latest extension): reminders count from here.
    public private(set) var expirySetAt: Instant? {
        get { Self.instant(times.expirySet) }
        set { times.expirySet = Self.raw(newValue) }
    }
    public private(set) var mlaLinkedAt: Instant? {
        get { Self.instant(times.mlaLinked) }
        set { times.mlaLinked = Self.raw(newValue) }
    }
    /// When the request reached an end state.
    public private(set) var endedAt: Instant? {
        get { Self.instant(times.ended) }
        set { times.ended = Self.raw(newValue) }
    }

    /// A request just submitted.
    public init(submittedAt: Instant) {
        state = .submitted
        self.submittedAt = submittedAt
    }

    // MARK: - Deciding

    /// Checks `input`, taken by `side` at `now`, against the current state and the policy;
    /// returns the event that records it.
    public func decide(_ input: ActionInput, by side: Side, at now: Instant, policy: PriorityPolicy) throws(LifecycleRefusal) -> CaseEvent {
        let action = input.action
        guard side == action.side else { throw .wrongSide(action: action, required: action.side) }
        guard action.allowedIn.contains(state) else { throw .notAllowed(action: action, state: state) }
        switch input {
        case .acknowledge:
            return .acknowledged
        case .preserve(let ref, let partial, let until):
            let minimum = now + DeadlinePolicy.treatyMinimumPreservation
            if let until, until < minimum {
                throw .invalid(FieldProblems([FieldProblem(
                    field: "preserved_until",
                    reason: "must be at least 60 days after preservation (not before \(minimum.rfc3339)): UN art. 42(4); Budapest art. 29(7)")]))
            }
            let byPolicy = now + max(policy.preservationPeriod, DeadlinePolicy.treatyMinimumPreservation)
            return .preserved(providerReference: ref, partial: partial, expiresAt: until ?? byPolicy)
        case .reportNoData(let reason):
            return .noDataReported(reason: reason)
        case .refuse(let ground, let reason):
            return .refused(ground: ground, reason: reason)
        case .notifyRisk(let reason):
            return .riskNotified(reason: reason)
        case .discloseTraffic(let providers, let path):
            return .trafficDisclosed(providers: providers, pathSummary: path)
        case .proceed:
            return .proceeded
        case .extend(let ext):
            let current = expiresAt ?? now
            let next: Instant
            switch ext {
            case .until(let t): next = t
            case .days(let d): next = current + .days(Int64(d))
            }
            guard next > current else {
                throw .invalid(FieldProblems([FieldProblem(
                    field: "until", reason: "must be after the current expiry \(current.rfc3339)")]))
            }
            return .extended(expiresAt: next, previous: current)
        case .linkMLA(let ref, let sentAt):
            if sentAt > now + .minutes(5) {
                throw .invalid(FieldProblems([FieldProblem(field: "sent_at", reason: "must not be in the future")]))
            }
            return .mlaLinked(reference: ref, sentAt: sentAt)
        case .withdraw(let reason):
            return .withdrawn(reason: reason)
        case .release(let reason):
            return .released(reason: reason)
        case .disclose(let ref, let handedOver):
            return .disclosed(providerReference: ref, handedOver: handedOver)
        }
    }

    /// The transport receipt: the requested side's daemon stored the request.
    public func receipt(by identity: String) throws(LifecycleRefusal) -> CaseEvent {
        guard state == .submitted else { throw .notAllowedSystem(event: "delivered", state: state) }
        return .delivered(by: identity)
    }

    /// The preservation period ran out (never while an MLA request is pending).
    public func expiry(at now: Instant) -> CaseEvent? {
        guard state == .preserved, let expiresAt, now >= expiresAt else { return nil }
        return .expired(expiresAt: expiresAt)
    }

    // MARK: - Applying

    /// Folds a recorded event into the state. Escalations and reminders do not change it.
    public mutating func apply(_ event: CaseEvent, at time: Instant) throws(LifecycleRefusal) {
        if let action = event.action, !action.allowedIn.contains(state) {
            throw .notAllowed(action: action, state: state)
        }
        switch event {
        case .submitted:
            throw .notAllowedSystem(event: "submitted", state: state)
        case .delivered:
            guard state == .submitted else { throw .notAllowedSystem(event: "delivered", state: state) }
            state = .delivered
            deliveredAt = time
        case .acknowledged:
            state = .acknowledged
            acknowledgedAt = time
        case .preserved(_, _, let expires):
            if acknowledgedAt == nil { acknowledgedAt = time }
            state = .preserved
            preservedAt = time
            expiresAt = expires
            expirySetAt = time
        case .disclosed:
            if acknowledgedAt == nil { acknowledgedAt = time }
            end(.disclosed, at: time)
        case .noDataReported:
            end(.noData, at: time)
        case .refused:
            end(.refused, at: time)
        case .riskNotified:
            state = .riskNotified
            riskNotifiedAt = time
        case .trafficDisclosed:
            break
        case .proceeded:
            state = .acknowledged
            if acknowledgedAt == nil { acknowledgedAt = time }
            proceededAt = time
        case .extended(let expires, _):
            expiresAt = expires
            expirySetAt = time
        case .mlaLinked:
            state = .mlaPending
            mlaLinkedAt = time
        case .withdrawn:
            end(.withdrawn, at: time)
        case .released:
            end(.released, at: time)
        case .expired:
            guard state == .preserved else { throw .notAllowedSystem(event: "expired", state: state) }
            end(.expired, at: time)
        case .escalated, .reminded, .contentErased, .partnerErased:
            break
        }
    }

    private mutating func end(_ final: RequestState, at time: Instant) {
        state = final
        endedAt = time
    }

    // MARK: - Deadlines

    /// The deadlines of the current state under `policy`, earliest first.
    public func deadlines(policy: PriorityPolicy) -> [Deadline] {
        var result: [Deadline] = []
        let preserveBase = proceededAt ?? submittedAt
        switch state {
        case .submitted:
            result.append(Deadline(kind: .deliver, dueAt: submittedAt + policy.deliverWithin, owedBy: .requesting))
        case .delivered:
            result.append(Deadline(kind: .acknowledge, dueAt: submittedAt + policy.acknowledgeWithin, owedBy: .requested))
            result.append(Deadline(kind: .preserve, dueAt: preserveBase + policy.preserveWithin, owedBy: .requested))
        case .acknowledged:
            result.append(Deadline(kind: .preserve, dueAt: preserveBase + policy.preserveWithin, owedBy: .requested))
        case .riskNotified:
            if let at = riskNotifiedAt {
                result.append(Deadline(kind: .answerRisk, dueAt: at + policy.answerRiskWithin, owedBy: .requesting))
            }
        case .preserved:
            if let expiresAt { result.append(Deadline(kind: .expiry, dueAt: expiresAt, owedBy: .requesting)) }
        case .mlaPending, .refused, .noData, .withdrawn, .expired, .released, .disclosed:
            break
        }
        return result.sorted { $0.dueAt < $1.dueAt }
    }

    /// The reminder times before the current expiry that `policy` asks for, latest `before` first
    /// (14d, 7d, 48h). Only reminders after the expiry was set, and none while an MLA request is pending.
    public func reminders(policy: PriorityPolicy) -> [(before: PolicyDuration, at: Instant)] {
        guard state == .preserved, let expiresAt, let setAt = expirySetAt else { return [] }
        return policy.remindBeforeExpiry.map { ($0, expiresAt - $0) }.filter { $0.at > setAt }
    }
}

/// A deadline a request carries in its current state.
public struct Deadline: Sendable, Hashable {
    public var kind: DeadlineKind
    public var dueAt: Instant
    /// The side that must act before it.
    public var owedBy: Side

    public init(kind: DeadlineKind, dueAt: Instant, owedBy: Side) {
        self.kind = kind
        self.dueAt = dueAt
        self.owedBy = owedBy
    }
}

/// Why an input was refused by the lifecycle.
public enum LifecycleRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The action belongs to the other side (403).
    case wrongSide(action: Action, required: Side)
    /// The current state does not allow the action (409, naming the state).
    case notAllowed(action: Action, state: RequestState)
    /// A system event (receipt, expiry) that does not fit the state.
    case notAllowedSystem(event: String, state: RequestState)
    /// The action's fields are wrong for this request (422).
    case invalid(FieldProblems)

    public var description: String {
        switch self {
        case .wrongSide(let action, let required):
            return "\(action.rawValue) is taken by the \(required.rawValue) side"
        case .notAllowed(let action, let state):
            let allowed = Action.allCases.filter { $0.allowedIn.contains(state) }.map(\.rawValue)
            let hint = allowed.isEmpty ? "it is an end state" : "allowed now: \(allowed.joined(separator: ", "))"
            return "\(action.rawValue) is not allowed in state \(state.rawValue) (\(hint))"
        case .notAllowedSystem(let event, let state):
            return "\(event) does not fit state \(state.rawValue)"
        case .invalid(let problems):
            return problems.description
        }
    }
}
