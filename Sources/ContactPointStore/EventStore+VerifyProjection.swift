import ContactPointModel
import Sealing

/// What `pocd audit verify` found when it rebuilt every request from the log and compared
/// it with the projection the daemon starts from.
public struct ProjectionVerification: Sendable, CustomStringConvertible {
    /// Requests rebuilt from the log.
    public var requests: Int
    /// Whether the projection claims to reflect the whole log (if not, the daemon rebuilds it
    /// at its next start, and there is nothing to compare).
    public var current: Bool
    /// Whether the rows match the digest recorded with the last commit.
    public var digestMatches: Bool
    /// Requests whose row disagrees with the log, each with the first field that differs.
    public var disagreements: [String]

    public var agrees: Bool { !current || (digestMatches && disagreements.isEmpty) }

    public var description: String {
        guard current else { return "projection not current: the daemon rebuilds it from the log at its next start" }
        if agrees { return "projection: \(requests) \(requests == 1 ? "request agrees" : "requests agree") with the log" }
        var lines = ["PROJECTION DISAGREES with the log (the daemon rebuilds it from the log at its next start):"]
        if !digestMatches { lines.append("  its rows do not match the digest recorded with the last commit") }
        lines += disagreements.prefix(20).map { "  \($0)" }
        if disagreements.count > 20 { lines.append("  … and \(disagreements.count - 20) more") }
        return lines.joined(separator: "\n")
    }
}

extension EventStore {
    /// Rebuilds every request from the log (each transition re-checked, as a restart without
    /// the projection would) and compares each with its projection row. For audits: it holds
    /// every request in memory and reads the whole log.
    public func verifyProjection() throws -> ProjectionVerification {
        var records: [String: CaseRecord] = [:]
        var problems: [String] = []
        try forEachEvent { stored, _ in
            let e = stored.event
            guard !e.requestID.isEmpty else { return }  // an event of the log itself
            guard case .success(let event) = SealedContent.replayEvent(type: e.type, payload: e.payload) else {
                problems.append("event \(stored.position): unreadable \(e.type)")
                return
            }
            if case .submitted(let request) = event {
                records[e.requestID] = CaseRecord(request, submittedAt: e.at)
            } else if records[e.requestID] != nil {
                do { try records[e.requestID]!.apply(event, at: e.at) } catch {
                    problems.append("event \(stored.position) does not apply to request \(e.requestID): \(error)")
                }
            }
        }
        let current = try projectionIsCurrent()
        var rows: [RequestID: CaseRecord.Snapshot] = [:]
        let digestMatches = try forEachSnapshot { rows[$0.id] = $0 }
        var disagreements = problems
        if current {
            for (id, record) in records.sorted(by: { $0.key < $1.key }) {
                let truth = record.snapshot
                guard let row = rows.removeValue(forKey: truth.id) else {
                    disagreements.append("request \(id): no row in the projection")
                    continue
                }
                if let field = Self.firstDifference(row, truth) { disagreements.append("request \(id): \(field)") }
            }
            for id in rows.keys.map(\.description).sorted() {
                disagreements.append("request \(id): in the projection, not in the log")
            }
        }
        return ProjectionVerification(requests: records.count, current: current, digestMatches: digestMatches,
                                      disagreements: disagreements)
    }

    /// `state is released in the projection, acknowledged in the log`, or nil when equal.
    static func firstDifference(_ row: CaseRecord.Snapshot, _ truth: CaseRecord.Snapshot) -> String? {
        func differs<T: Equatable>(_ name: String, _ a: T, _ b: T) -> String? {
            a == b ? nil : "\(name) is \(a) in the projection, \(b) in the log"
        }
        let times = ["submitted", "delivered", "acknowledged", "risk_notified", "proceeded", "preserved", "expires",
                     "expiry_set", "mla_linked", "ended"]
        let levels = ["deliver", "acknowledge", "preserve", "answer_risk"]
        var checks: [String?] = [
            differs("state", row.state, truth.state), differs("reference", row.reference, truth.reference),
            differs("kind", row.kind, truth.kind), differs("priority", row.priority, truth.priority),
            differs("from", row.from, truth.from), differs("to", row.to, truth.to),
            differs("event count", row.eventCount, truth.eventCount),
        ]
        for (i, name) in times.enumerated() where i < row.times.count && i < truth.times.count {
            checks.append(differs("time \(name)", row.times[i], truth.times[i]))
        }
        for (i, name) in levels.enumerated() where i < row.levels.count && i < truth.levels.count {
            checks.append(differs("escalation level of \(name)", row.levels[i], truth.levels[i]))
        }
        checks.append(differs("last reminder", row.reminderExpires, truth.reminderExpires))
        checks.append(differs("last reminder before", row.reminderBefore, truth.reminderBefore))
        checks.append(differs("content erased", row.erasedAt, truth.erasedAt))
        checks.append(differs("convention articles", row.articles, truth.articles))
        if let first = checks.compactMap({ $0 }).first { return first }
        return row == truth ? nil : "the row differs from the log"
    }
}
