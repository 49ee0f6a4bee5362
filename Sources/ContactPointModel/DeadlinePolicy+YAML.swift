import Yams

/// A configuration file that cannot be used, with the file, the key and the reason.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var reason: String

    public init(file: String, key: String, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    /// `Config/policy.yaml: priorities.urgent.preservation_period: 30d is below the treaty minimum of 60 days`
    public var description: String { key.isEmpty ? "\(file): \(reason)" : "\(file): \(key): \(reason)" }
}

/// A set of configuration problems, all reported at once.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigurationError]
    public init(_ errors: [ConfigurationError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

extension DeadlinePolicy {
    /// Loads `policy.yaml` text. `file` names the file in every error.
    public static func load(yaml text: String, file: String) throws(ConfigurationErrors) -> DeadlinePolicy {
        let r = try YAMLReader.root(text, file: file)
        var priorities: [Priority: PriorityPolicy] = [:]
        if let prioritiesMap = r.mapping("priorities", required: true) {
            for key in prioritiesMap.keys {
                guard let priority = Priority(rawValue: key) else {
                    prioritiesMap.problem(key, "unknown priority (expected emergency, urgent, routine)")
                    continue
                }
                guard let p = prioritiesMap.mapping(key, required: true) else { continue }
                if let policy = loadPriority(p) { priorities[priority] = policy }
            }
            for priority in Priority.allCases where !prioritiesMap.keys.contains(priority.rawValue) {
                prioritiesMap.problem(priority.rawValue, "required")
            }
            prioritiesMap.refuseUnknown(allowing: Priority.allCases.map(\.rawValue))
        }
        var retention: PolicyDuration?
        if let block = r.mapping("retention", required: false) {
            retention = block.duration("after_end", required: true)
            if let d = retention, d <= .zero { block.problem("after_end", "must be longer than 0s") }
            block.refuseUnknown(allowing: ["after_end"])
        }
        r.refuseUnknown(allowing: ["priorities", "retention"])
        try r.throwIfProblems()
        return DeadlinePolicy(priorities: priorities, retentionAfterEnd: retention)
    }

    private static func loadPriority(_ p: YAMLReader) -> PriorityPolicy? {
        let deliver = p.duration("deliver_within", required: true)
        let ack = p.duration("acknowledge_within", required: true)
        let preserve = p.duration("preserve_within", required: true)
        let answerRisk = p.duration("answer_risk_within", required: false)
        let period = p.duration("preservation_period", required: true)
        if let period, period < DeadlinePolicy.treatyMinimumPreservation {
            p.problem("preservation_period", "\(period) is below the treaty minimum of 60 days (UN art. 42(4); Budapest art. 29(7))")
        }
        var reminders: [PolicyDuration] = []
        if let list = p.sequence("remind_before_expiry", required: true) {
            for (i, node) in list.enumerated() {
                guard let text = node.scalar?.string, let d = PolicyDuration(parsing: text) else {
                    p.problem("remind_before_expiry[\(i)]", "not a duration (write 30s, 45m, 8h or 3d)")
                    continue
                }
                if let period, d >= period {
                    p.problem("remind_before_expiry[\(i)]", "\(d) is not shorter than the preservation period \(period)")
                }
                reminders.append(d)
            }
        }
        var steps: [EscalationStep] = []
        if let ladder = p.sequence("escalation", required: true) {
            if ladder.isEmpty { p.problem("escalation", "needs at least one step") }
            for (i, node) in ladder.enumerated() {
                let s = p.child(node, key: "escalation[\(i)]")
                guard let s else { continue }
                let after = s.duration("after", required: true)
                let level = s.integer("level", required: true)
                var notify: [String] = []
                if let list = s.sequence("notify", required: true) {
                    if list.isEmpty { s.problem("notify", "name at least one role or principal") }
                    for (j, n) in list.enumerated() {
                        guard let name = n.scalar?.string, !name.isEmpty else {
                            s.problem("notify[\(j)]", "must be a role (officer, supervisor, partner) or a principal identity")
                            continue
                        }
                        notify.append(name)
                    }
                }
                s.refuseUnknown(allowing: ["after", "level", "notify"])
                if let level, level < 1 { s.problem("level", "must be 1 or more") }
                if let after, let level { steps.append(EscalationStep(after: after, level: level, notify: notify)) }
            }
            let sorted = steps.sorted { $0.after < $1.after }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b.level <= a.level {
                p.problem("escalation", "levels must rise as `after` grows (level \(b.level) after \(b.after) is not above level \(a.level) after \(a.after))")
            }
        }
        p.refuseUnknown(allowing: ["deliver_within", "acknowledge_within", "preserve_within", "answer_risk_within",
                                   "preservation_period", "remind_before_expiry", "escalation"])
        guard let deliver, let ack, let preserve, let period else { return nil }
        return PriorityPolicy(deliverWithin: deliver, acknowledgeWithin: ack, preserveWithin: preserve,
                              answerRiskWithin: answerRisk, preservationPeriod: period,
                              remindBeforeExpiry: reminders, escalation: steps)
    }
}
