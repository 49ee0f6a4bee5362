/// The deadlines and escalation ladders, per priority (`Config/policy.yaml`).
///
/// Policy is data: the operator changes it and reloads it with SIGHUP. Deadlines are
/// computed from the recorded times of a request and the policy in force, so a reload
/// reschedules every open request. Only the preservation expiry is fixed when it is
/// recorded, because it is what the requested State committed to.
public struct DeadlinePolicy: Sendable, Hashable {
    /// The treaty minimum preservation period (UN art. 42(4); Budapest art. 29(7)).
    public static let treatyMinimumPreservation = PolicyDuration.days(60)

    /// One policy per priority; all three are always present.
    public var priorities: [Priority: PriorityPolicy]
    /// How long after a request reaches an end state its content is kept before it is erased
    /// (`retention: {after_end: 180d}`); nil keeps it until a supervisor erases it.
    public var retentionAfterEnd: PolicyDuration?

    public init(priorities: [Priority: PriorityPolicy], retentionAfterEnd: PolicyDuration? = nil) {
        self.priorities = priorities
        self.retentionAfterEnd = retentionAfterEnd
    }

    /// The policy for `priority`.
    public subscript(priority: Priority) -> PriorityPolicy { priorities[priority] ?? Self.defaults.priorities[priority]! }

    /// The defaults of DOMAIN.md: deliver 5m/15m/1h, acknowledge 1h/4h/24h, preserve 8h/24h/72h,
    /// 60 days of preservation, reminders 14d/7d/48h before expiry, and a ladder that alerts
    /// the officer at the deadline, the supervisor and the partner at twice the time, the
    /// head of unit at three times.
    public static let defaults = DeadlinePolicy(priorities: [
        .emergency: PriorityPolicy(deliverWithin: .minutes(5), acknowledgeWithin: .hours(1), preserveWithin: .hours(8),
                                   ladderUnit: .hours(1)),
        .urgent: PriorityPolicy(deliverWithin: .minutes(15), acknowledgeWithin: .hours(4), preserveWithin: .hours(24),
                                ladderUnit: .hours(4)),
        .routine: PriorityPolicy(deliverWithin: .hours(1), acknowledgeWithin: .hours(24), preserveWithin: .hours(72),
                                 ladderUnit: .hours(24)),
    ])
}

/// The deadlines of one priority.
public struct PriorityPolicy: Sendable, Hashable {
    /// Until the partner daemon's transport receipt.
    public var deliverWithin: PolicyDuration
    /// Until a person at the requested contact point acknowledges.
    public var acknowledgeWithin: PolicyDuration
    /// Until the requested side preserves (or refuses, or reports no data).
    public var preserveWithin: PolicyDuration
    /// Until the requesting side answers a risk notice; by default as for acknowledgement.
    public var answerRiskWithin: PolicyDuration
    /// How long a preservation lasts; never below 60 days.
    public var preservationPeriod: PolicyDuration
    /// Reminders before a preservation expires, e.g. 14d, 7d, 48h.
    public var remindBeforeExpiry: [PolicyDuration]
    /// The escalation ladder, in order of `after`.
    public var escalation: [EscalationStep]

    public init(deliverWithin: PolicyDuration, acknowledgeWithin: PolicyDuration, preserveWithin: PolicyDuration,
                answerRiskWithin: PolicyDuration? = nil, preservationPeriod: PolicyDuration = .days(60),
                remindBeforeExpiry: [PolicyDuration] = [.days(14), .days(7), .hours(48)], escalation: [EscalationStep]) {
        self.deliverWithin = deliverWithin
        self.acknowledgeWithin = acknowledgeWithin
        self.preserveWithin = preserveWithin
        self.answerRiskWithin = answerRiskWithin ?? acknowledgeWithin
        self.preservationPeriod = preservationPeriod
        self.remindBeforeExpiry = remindBeforeExpiry.sorted(by: >)
        self.escalation = escalation.sorted { $0.after < $1.after }
    }

    init(deliverWithin: PolicyDuration, acknowledgeWithin: PolicyDuration, preserveWithin: PolicyDuration, ladderUnit: PolicyDuration) {
        self.init(deliverWithin: deliverWithin, acknowledgeWithin: acknowledgeWithin, preserveWithin: preserveWithin,
                  escalation: [
                    EscalationStep(after: .zero, level: 1, notify: ["officer"]),
                    EscalationStep(after: ladderUnit, level: 2, notify: ["supervisor", "partner"]),
                    EscalationStep(after: ladderUnit * 2, level: 3, notify: ["head_of_unit"]),
                  ])
    }

    /// How long after its base time each kind of deadline falls due (expiry excepted).
    public func allowance(for kind: DeadlineKind) -> PolicyDuration {
        switch kind {
        case .deliver: return deliverWithin
        case .acknowledge: return acknowledgeWithin
        case .preserve, .disclose: return preserveWithin
        case .answerRisk: return answerRiskWithin
        case .expiry: return preservationPeriod
        }
    }
}

/// One rung of an escalation ladder: `after` the missed deadline, raise to `level` and notify.
public struct EscalationStep: Sendable, Hashable {
    public var after: PolicyDuration
    public var level: Int
    /// Roles (`officer`, `supervisor`, `head_of_unit`, `central_authority`, `partner`) or principal identities from the directory.
    public var notify: [String]

    public init(after: PolicyDuration, level: Int, notify: [String]) {
        self.after = after
        self.level = level
        self.notify = notify
    }

    /// The roles a ladder may name; anything else must be a principal identity.
    public static let roles: Set<String> = ["officer", "supervisor", "head_of_unit", "central_authority", "partner"]
}
