/// How well deadlines were kept: for each deadline kind and priority, how many closed on time
/// and how many late, over a window; and how long acknowledging took. Computed from what each
/// request's log says it did (its lifecycle's times), so the figures are those the audit log
/// can prove. The dashboard's compliance page draws them (docs/dashboard.md).
///
/// A deadline counts in a window when its outcome falls in it: the time it was answered, or,
/// for one still unanswered, the time it fell due (it counts as late from then on). A deadline
/// not yet due and not answered does not count; nor does one made moot (a request withdrawn
/// before the other side had to act).
public struct ComplianceTally: Sendable {
    /// The windows reported, in days.
    public static let windows = [7, 30, 90]
    /// Upper bounds of the time-to-acknowledge histogram, in seconds; a last bucket holds the rest.
    public static let bucketBounds: [Int64] = [300, 900, 3_600, 14_400, 86_400, 259_200]
    /// The deadline kinds reported (expiry is an end, not a task).
    public static let kinds: [DeadlineKind] = [.deliver, .acknowledge, .preserve, .disclose, .answerRisk]

    public let now: Instant
    /// The contact points whose own deadlines are "ours".
    public let mine: Set<CountryCode>

    /// One cell: a window, a kind, a priority, whose deadline.
    struct Key: Hashable {
        var days: Int
        var kind: DeadlineKind
        var priority: Priority
        var ours: Bool
    }
    struct Count { var onTime = 0, late = 0, lateOpen = 0 }
    private var counts: [Key: Count] = [:]
    /// Seconds from submission to acknowledgement, per window and whose acknowledgement.
    private var acknowledgeTimes: [Int: (ours: [Int64], theirs: [Int64])] = [:]
    /// Per window, per convention article (`ConventionArticle.allCases` order, then "none"):
    /// requests submitted in the window and the outcomes of their deadlines in it.
    struct ArticleCount { var incoming = 0, outgoing = 0, onTime = 0, late = 0 }
    private var byArticle: [Int: [ArticleCount]] = [:]

    public init(now: Instant, mine: Set<CountryCode>) {
        self.now = now
        self.mine = mine
    }

    /// One deadline's outcome: when it fell due, and when it was answered (nil: not yet).
    public struct Outcome: Sendable, Hashable {
        public var kind: DeadlineKind
        public var dueAt: Instant
        public var answeredAt: Instant?
        public var owedBy: Side
    }

    /// The deadlines `lifecycle` has had under `policy`, with their outcomes.
    public static func outcomes(_ l: Lifecycle, policy: PriorityPolicy, kind: RequestKind = .preservation) -> [Outcome] {
        // An emergency disclosure's preserve deadline is its disclose deadline, answered by the disclosure.
        lifecycleOutcomes(l, policy: policy).map { Outcome(kind: kind.name(of: $0.kind), dueAt: $0.dueAt, answeredAt: $0.answeredAt, owedBy: $0.owedBy) }
    }

    /// The outcomes by the lifecycle's own deadline names (preserve, not disclose).
    private static func lifecycleOutcomes(_ l: Lifecycle, policy: PriorityPolicy) -> [Outcome] {
        var result: [Outcome] = []
        let ended = l.endedAt
        let answeredByEnd = (l.state == .refused || l.state == .noData || l.state == .disclosed) ? ended : nil
        func first(_ times: Instant?...) -> Instant? { times.compactMap { $0 }.min() }
        // Deliver: the partner daemon's receipt. A request withdrawn before it made it moot.
        let deliverDue = l.submittedAt + policy.deliverWithin
        if let d = l.deliveredAt { result.append(Outcome(kind: .deliver, dueAt: deliverDue, answeredAt: d, owedBy: .requesting)) }
        else if ended == nil { result.append(Outcome(kind: .deliver, dueAt: deliverDue, answeredAt: nil, owedBy: .requesting)) }
        guard l.deliveredAt != nil else { return result }
        // Acknowledge: a person took it; a refusal, a no-data report or a risk notice answer it too.
        let ack = first(l.acknowledgedAt, l.riskNotifiedAt, answeredByEnd)
        if ack != nil || ended == nil {
            result.append(Outcome(kind: .acknowledge, dueAt: l.submittedAt + policy.acknowledgeWithin, answeredAt: ack, owedBy: .requested))
        }
        // Preserve: from submission, or from the requesting side's `proceed` after a risk notice,
        // which itself answers the first preserve deadline.
        let preserveAnswer = first(l.preservedAt, answeredByEnd)
        if let proceeded = l.proceededAt, let risk = l.riskNotifiedAt, risk <= proceeded {
            result.append(Outcome(kind: .preserve, dueAt: l.submittedAt + policy.preserveWithin, answeredAt: risk, owedBy: .requested))
            if preserveAnswer != nil || ended == nil {
                result.append(Outcome(kind: .preserve, dueAt: proceeded + policy.preserveWithin, answeredAt: preserveAnswer, owedBy: .requested))
            }
        } else {
            let answer = first(preserveAnswer, l.riskNotifiedAt)
            if answer != nil || ended == nil {
                result.append(Outcome(kind: .preserve, dueAt: l.submittedAt + policy.preserveWithin, answeredAt: answer, owedBy: .requested))
            }
        }
        // Answer a risk notice: proceed or withdraw.
        if let risk = l.riskNotifiedAt {
            let answer = l.proceededAt.flatMap { $0 >= risk ? $0 : nil } ?? (l.state == .withdrawn ? ended : nil)
            result.append(Outcome(kind: .answerRisk, dueAt: risk + policy.answerRiskWithin, answeredAt: answer, owedBy: .requesting))
        }
        return result
    }

    /// Adds one request.
    public mutating func add(_ record: CaseRecord, policy: DeadlinePolicy) {
        let owner: (Side) -> CountryCode = { $0 == .requesting ? record.from : record.to }
        let articleRows = record.articles.isEmpty ? [ConventionArticle.allCases.count] : record.articles.positions
        func countArticles(days: Int, _ change: (inout ArticleCount) -> Void) {
            var rows = byArticle[days] ?? [ArticleCount](repeating: ArticleCount(), count: ConventionArticle.allCases.count + 1)
            for i in articleRows { change(&rows[i]) }
            byArticle[days] = rows
        }
        for days in Self.windows where within(record.lifecycle.submittedAt, days: days) {
            countArticles(days: days) { c in
                if mine.contains(record.from) { c.outgoing += 1 }
                if mine.contains(record.to) { c.incoming += 1 }
            }
        }
        for o in Self.outcomes(record.lifecycle, policy: policy[record.priority], kind: record.kind) {
            let at: Instant
            let onTime: Bool
            if let answered = o.answeredAt {
                at = answered
                onTime = answered <= o.dueAt
            } else {
                guard o.dueAt <= now else { continue }  // not yet due: no outcome
                at = o.dueAt
                onTime = false
            }
            let ours = mine.contains(owner(o.owedBy))
            for days in Self.windows where within(at, days: days) {
                let key = Key(days: days, kind: o.kind, priority: record.priority, ours: ours)
                var c = counts[key] ?? Count()
                if onTime { c.onTime += 1 } else if o.answeredAt == nil { c.lateOpen += 1 } else { c.late += 1 }
                counts[key] = c
                countArticles(days: days) { if onTime { $0.onTime += 1 } else { $0.late += 1 } }
            }
        }
        if let acknowledged = record.lifecycle.acknowledgedAt {
            let seconds = max(0, acknowledged.milliseconds(since: record.lifecycle.submittedAt) / 1000)
            let ours = mine.contains(record.to)
            for days in Self.windows where within(acknowledged, days: days) {
                var times = acknowledgeTimes[days] ?? ([], [])
                if ours { times.ours.append(seconds) } else { times.theirs.append(seconds) }
                acknowledgeTimes[days] = times
            }
        }
    }

    private func within(_ t: Instant, days: Int) -> Bool {
        t <= now && now.milliseconds(since: t) <= Int64(days) * 86_400_000
    }

    /// The report, as `GET /v1/stats/compliance` answers it.
    public var json: JSONValue {
        let windows: [JSONValue] = Self.windows.map { days in
            var rows: [JSONValue] = []
            for ours in [true, false] {
                for kind in Self.kinds {
                    for priority in Priority.allCases {
                        let c = counts[Key(days: days, kind: kind, priority: priority, ours: ours)] ?? Count()
                        let total = c.onTime + c.late + c.lateOpen
                        rows.append([
                            "owed_by": .string(ours ? "us" : "partners"), "kind": .string(kind.rawValue),
                            "priority": .string(priority.rawValue), "on_time": .number(Double(c.onTime)),
                            "late": .number(Double(c.late)), "late_unanswered": .number(Double(c.lateOpen)),
                            "total": .number(Double(total)),
                            "on_time_rate": total == 0 ? .null : .number((Double(c.onTime) / Double(total) * 1000).rounded() / 1000),
                        ])
                    }
                }
            }
            let times = acknowledgeTimes[days] ?? ([], [])
            let perArticle = byArticle[days] ?? [ArticleCount](repeating: ArticleCount(), count: ConventionArticle.allCases.count + 1)
            let articles: [JSONValue] = perArticle.enumerated().map { i, c in
                let article = i < ConventionArticle.allCases.count ? ConventionArticle.allCases[i] : nil
                let decided = c.onTime + c.late
                return [
                    "article": article.map { .string($0.rawValue) } ?? .null,
                    "title": .string(article?.title ?? "Not classified"),
                    "incoming": .number(Double(c.incoming)), "outgoing": .number(Double(c.outgoing)),
                    "deadlines_on_time": .number(Double(c.onTime)), "deadlines_late": .number(Double(c.late)),
                    "on_time_rate": decided == 0 ? .null : .number((Double(c.onTime) / Double(decided) * 1000).rounded() / 1000),
                ]
            }
            return [
                "days": .number(Double(days)), "deadlines": .array(rows), "articles": .array(articles),
                "time_to_acknowledge": ["us": Self.distribution(times.ours), "partners": Self.distribution(times.theirs)],
            ]
        }
        return [
            "generated_at": .string(now.rfc3339),
            "contact_points": .array(mine.map(\.code).sorted().map(JSONValue.string)),
            "windows": .array(windows),
        ]
    }

    /// Count, median, 90th percentile (nearest rank) and histogram of `seconds`.
    static func distribution(_ seconds: [Int64]) -> JSONValue {
        let sorted = seconds.sorted()
        func rank(_ q: Double) -> JSONValue {
            guard !sorted.isEmpty else { return .null }
            let i = max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)
            return .number(Double(sorted[min(i, sorted.count - 1)]))
        }
        var buckets: [JSONValue] = []
        var below = 0
        for bound in bucketBounds {
            let n = sorted.filter { $0 <= bound }.count
            buckets.append(["le_seconds": .number(Double(bound)), "count": .number(Double(n - below))])
            below = n
        }
        buckets.append(["le_seconds": .null, "count": .number(Double(sorted.count - below))])
        return ["count": .number(Double(sorted.count)), "median_seconds": rank(0.5), "p90_seconds": rank(0.9), "buckets": .array(buckets)]
    }
}
