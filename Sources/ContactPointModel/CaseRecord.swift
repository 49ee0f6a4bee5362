/// What the Desk keeps in memory for one request: its identity, its lifecycle, and how far
/// each missed deadline has been escalated. Rebuilt from the event log on start.
///
/// The full request body and history stay in the store; this is the small part needed
/// to order the queue and run the deadlines.
public struct CaseRecord: Sendable, Hashable {
    // The stored properties are laid out for size, largest alignment first, and the optional
    // ones kept as raw integers with a sentinel: a million records are held in memory, and
    // 160 bytes a record instead of 192 is 32 MB (CaseRecordTests checks the size).
    /// The request id, compact.
    public let key: RequestID
    public let reference: String
    public internal(set) var lifecycle: Lifecycle
    /// The highest ladder level already fired, per deadline kind.
    public internal(set) var escalations = EscalationLevels()
    public let kind: RequestKind
    public let priority: Priority
    public let from: CountryCode
    public let to: CountryCode
    /// The offence's classification (`offence.convention_articles`), from the clear part.
    public let articles: ConventionArticles
    var storedEventCount: Int32
    var reminderExpires = Int64.min
    var reminderBefore: Int64 = 0
    var erasedAt = Int64.min

    /// The last reminder sent, for which expiry; a reminder covers every longer one before it.
    public internal(set) var lastReminder: Reminder? {
        get {
            reminderExpires == Int64.min ? nil
                : Reminder(expiresAt: Instant(millisecondsSince1970: reminderExpires), before: .seconds(reminderBefore))
        }
        set {
            reminderExpires = newValue?.expiresAt.millisecondsSince1970 ?? Int64.min
            reminderBefore = newValue?.before.seconds ?? 0
        }
    }
    /// How many events the request has (its next event's sequence number is this).
    public internal(set) var eventCount: Int {
        get { Int(storedEventCount) }
        set { storedEventCount = Int32(clamping: newValue) }
    }
    /// When its content was erased here (docs/privacy.md §4), if it was.
    public internal(set) var contentErasedAt: Instant? {
        get { erasedAt == Int64.min ? nil : Instant(millisecondsSince1970: erasedAt) }
        set { erasedAt = newValue?.millisecondsSince1970 ?? Int64.min }
    }

    /// A reminder already sent: `before` the preservation ending at `expiresAt`.
    public struct Reminder: Sendable, Hashable {
        public var expiresAt: Instant
        public var before: PolicyDuration
    }

    /// The record of a request just submitted at `submittedAt`. The request's id must be a
    /// UUID, which validation guarantees.
    public init(_ request: EvidenceRequest, submittedAt: Instant) {
        key = RequestID(request.id) ?? RequestID(high: 0, low: 0)
        reference = request.reference
        from = request.from
        to = request.to
        kind = request.kind
        priority = request.priority
        articles = ConventionArticles(request.offence?.conventionArticles ?? [])
        lifecycle = Lifecycle(submittedAt: submittedAt)
        storedEventCount = 1
    }

    /// The request id as text.
    public var id: String { key.description }

    public var state: RequestState { lifecycle.state }

    /// Which side `country` is on, if it is a party to this request.
    public func side(of country: CountryCode) -> Side? {
        country == from ? .requesting : country == to ? .requested : nil
    }

    /// Folds one recorded event (after `submitted`) into the record.
    public mutating func apply(_ event: CaseEvent, at time: Instant) throws(LifecycleRefusal) {
        try lifecycle.apply(event, at: time)
        switch event {
        case .escalated(let e):
            escalations[e.deadline] = max(escalations[e.deadline] ?? 0, e.level)
        case .reminded(let expiresAt, let before):
            lastReminder = Reminder(expiresAt: expiresAt, before: before)
        case .proceeded:
            escalations[.preserve] = nil
            escalations[.answerRisk] = nil
        case .riskNotified:
            escalations[.answerRisk] = nil
        case .contentErased:
            contentErasedAt = time
        default:
            break
        }
        eventCount += 1
    }

    // MARK: - Deadlines and escalation

    /// The deadlines now running, earliest first.
    /// Each deadline kind whose ladder fired, and its level, named as this request's kind names it.
    public var firedEscalations: [(kind: DeadlineKind, level: Int)] {
        escalations.fired.map { (kind: self.kind.name(of: $0.kind), level: $0.level) }
    }

    public func deadlines(policy: DeadlinePolicy) -> [Deadline] {
        kind.renaming(lifecycle.deadlines(policy: policy[priority]))
    }

    /// Checks an action against the request's kind, then its state (`Lifecycle.decide`): an
    /// emergency disclosure is answered with `disclose` (or a refusal, or no data), never
    /// `preserve`; a preservation request is never answered with `disclose`.
    public func decide(_ input: ActionInput, by side: Side, at now: Instant, policy: DeadlinePolicy) throws(LifecycleRefusal) -> CaseEvent {
        if !input.action.kinds.contains(kind) {
            throw .invalid(FieldProblems([FieldProblem(field: "action", reason: kind == .emergencyDisclosure
                ? "an emergency-disclosure request is answered with disclose (the data provided), refuse or report-no-data, not preserve"
                : "disclose answers an emergency-disclosure request; this is a \(kind.rawValue) request (preserve, refuse or report-no-data)")]))
        }
        return try lifecycle.decide(input, by: side, at: now, policy: policy[priority])
    }

    /// The running deadlines already missed at `now` (expiry excluded: it ends the preservation instead).
    public func overdue(at now: Instant, policy: DeadlinePolicy) -> [Deadline] {
        deadlines(policy: policy).filter { $0.kind.escalates && $0.dueAt <= now }
    }

    /// The highest escalation level reached on a deadline still running.
    public func escalationLevel(policy: DeadlinePolicy) -> Int {
        deadlines(policy: policy).map { escalations[$0.kind] ?? 0 }.max() ?? 0
    }

    /// When something next falls due for this request (a ladder step, a reminder or the
    /// expiry), or nil if nothing will. May be in the past: then it is due now.
    public func nextFiring(policy: DeadlinePolicy) -> Instant? {
        scan(policy: policy, now: nil).next
    }

    /// When the Desk must next look at this request, and whether a deadline is already missed
    /// at `now`: the earliest of `nextFiring` and the running escalating deadlines still ahead,
    /// in one pass over the deadlines (a start computes it for a million requests). An ended
    /// request wakes only for its retention's erasure.
    public func wake(at now: Instant, policy: DeadlinePolicy) -> (wake: Instant?, overdue: Bool) {
        guard !state.isFinal else { return (erasureDue(policy: policy), false) }
        let found = scan(policy: policy, now: now)
        return (found.next, found.overdue)
    }

    /// One pass over the running deadlines: the earliest ladder step, reminder, expiry or
    /// erasure to come; with `now`, also each escalating deadline still ahead, and whether one
    /// is already missed.
    private func scan(policy: DeadlinePolicy, now: Instant?) -> (next: Instant?, overdue: Bool) {
        let p = policy[priority]
        var next: Instant?
        var overdue = false
        func consider(_ t: Instant) { if next == nil || t < next! { next = t } }
        for d in kind.renaming(lifecycle.deadlines(policy: p)) {
            if d.kind == .expiry {
                consider(d.dueAt)
            } else if let step = nextStep(for: d, policy: p) {
                consider(d.dueAt + step.after)
            }
            if let now, d.kind.escalates {
                if d.dueAt <= now { overdue = true } else { consider(d.dueAt) }
            }
        }
        if let r = nextReminder(policy: p) { consider(r.at) }
        if let erase = erasureDue(policy: policy) { consider(erase) }
        return (next, overdue)
    }

    /// When the policy's retention erases this request's content: `retention.after_end`
    /// after it ended, unless it is already erased (nil: never, or not ended).
    public func erasureDue(policy: DeadlinePolicy) -> Instant? {
        guard contentErasedAt == nil, let keep = policy.retentionAfterEnd, let ended = lifecycle.endedAt else { return nil }
        return ended + keep
    }

    /// The events that are due at `now`: for each missed deadline, one escalation to the
    /// highest level now due (levels passed while the daemon was down are not replayed one
    /// by one); the latest reminder due; or the expiry. Empty if nothing is due, so asking
    /// twice never duplicates an event once the first answer has been applied.
    public func dueEvents(at now: Instant, policy: DeadlinePolicy) -> [CaseEvent] {
        let p = policy[priority]
        if let expired = lifecycle.expiry(at: now) { return [expired] }
        if let erase = erasureDue(policy: policy), erase <= now, let keep = policy.retentionAfterEnd {
            return [.contentErased(why: "retention", reason: "retention.after_end \(keep) after the request ended")]
        }
        var events: [CaseEvent] = []
        for d in kind.renaming(lifecycle.deadlines(policy: p)) where d.kind.escalates {
            let due = pendingSteps(for: d, policy: p).filter { d.dueAt + $0.after <= now }
            if let top = due.max(by: { $0.level < $1.level }) {
                events.append(.escalated(Escalation(
                    deadline: d.kind, dueAt: d.dueAt, level: top.level, notify: top.notify,
                    lateBy: .seconds(max(0, now.milliseconds(since: d.dueAt) / 1000)))))
            }
        }
        if let reminder = pendingReminders(policy: p).filter({ $0.at <= now }).last, let expiresAt = lifecycle.expiresAt {
            events.append(.reminded(expiresAt: expiresAt, before: reminder.before))
        }
        return events
    }

    /// The first of `pendingSteps`, without building the list (a start asks for a million).
    private func nextStep(for deadline: Deadline, policy: PriorityPolicy) -> EscalationStep? {
        let fired = escalations[deadline.kind] ?? 0
        return policy.escalation.first { $0.level > fired }
    }

    /// The first of `pendingReminders`.
    private func nextReminder(policy: PriorityPolicy) -> (before: PolicyDuration, at: Instant)? {
        lifecycle.reminders(policy: policy).first { r in
            guard let last = lastReminder, last.expiresAt == lifecycle.expiresAt else { return true }
            return r.before < last.before
        }
    }

    private func pendingSteps(for deadline: Deadline, policy: PriorityPolicy) -> [EscalationStep] {
        let fired = escalations[deadline.kind] ?? 0
        return policy.escalation.filter { $0.level > fired }
    }

    /// Reminders not yet covered by one already sent, earliest first.
    private func pendingReminders(policy: PriorityPolicy) -> [(before: PolicyDuration, at: Instant)] {
        lifecycle.reminders(policy: policy).filter { r in
            guard let last = lastReminder, last.expiresAt == lifecycle.expiresAt else { return true }
            return r.before < last.before
        }
    }
}
