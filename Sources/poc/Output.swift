import ContactPointModel
import Foundation

/// Text output for people: tables, request views, alerts. `--json` bypasses all of it.
enum Output {
    static var isTerminal: Bool { isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    static func emphasize(_ s: String, overdue: Bool) -> String {
        overdue && isTerminal ? "\u{1B}[1;31m\(s)\u{1B}[0m" : s
    }

    static func printJSON(_ value: JSONValue) {
        print(value.serializedString())
    }

    /// `2h 5m`, `-1h 3m` when past.
    static func timeLeft(_ seconds: Int64) -> String {
        let text = PolicyDuration(seconds: abs(seconds)).humanReadable
        return seconds < 0 ? "-\(text)" : text
    }

    static func table(_ header: [String], _ rows: [[String]], highlight: [Bool]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        var out = [line(header)]
        for (i, row) in rows.enumerated() { out.append(emphasize(line(row), overdue: highlight[i])) }
        return out.joined(separator: "\n")
    }

    static func queue(_ body: JSONValue) -> String {
        let items = body["items"]?.arrayValue ?? []
        let count = body["count"]?.intValue ?? items.count
        let codes = body["contact_points"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""
        guard !items.isEmpty else { return "queue of \(codes): empty" }
        let rows = items.map { i -> [String] in
            let next = i["next_deadline"]
            let deadline = next.flatMap { $0["kind"]?.stringValue.map { k in "\(k) \(next?["due_at"]?.stringValue ?? "")" } } ?? "-"
            let left = next?["seconds_left"]?.intValue.map { timeLeft(Int64($0)) } ?? "-"
            return [i["reference"]?.stringValue ?? "", i["direction"]?.stringValue ?? "", i["counterpart"]?.stringValue ?? "",
                    i["priority"]?.stringValue ?? "", i["state"]?.stringValue ?? "", deadline, left,
                    (i["overdue"]?.boolValue ?? false) ? "OVERDUE L\(i["escalation_level"]?.intValue ?? 0)" : "", i["id"]?.stringValue ?? ""]
        }
        let highlight = items.map { $0["overdue"]?.boolValue ?? false }
        var text = table(["REFERENCE", "DIRECTION", "COUNTERPART", "PRIORITY", "STATE", "NEXT DEADLINE", "TIME LEFT", "", "ID"], rows, highlight: highlight)
        if count > items.count { text += "\n(\(items.count) of \(count) shown; use --limit)" }
        return text
    }

    static func request(_ v: JSONValue) -> String {
        var lines: [String] = []
        let overdue = v["overdue"]?.boolValue ?? false
        lines.append("\(v["reference"]?.stringValue ?? "")  \(v["id"]?.stringValue ?? "")")
        lines.append("\(v["kind"]?.stringValue ?? ""), \(v["priority"]?.stringValue ?? ""), \(v["from"]?.stringValue ?? "") → \(v["to"]?.stringValue ?? "")")
        var state = "state: \(v["state"]?.stringValue ?? "")   escalation level: \(v["escalation_level"]?.intValue ?? 0)"
        if overdue { state += "   " + emphasize("OVERDUE", overdue: true) }
        if let e = v["expires_at"]?.stringValue { state += "   preserved until \(e)" }
        lines.append(state)
        let deadlines = v["deadlines"]?.arrayValue ?? []
        lines.append(deadlines.isEmpty ? "deadlines: none running" : "deadlines:")
        for d in deadlines {
            let late = d["overdue"]?.boolValue ?? false
            let left = d["seconds_left"]?.intValue.map { timeLeft(Int64($0)) } ?? ""
            lines.append(emphasize("  \((d["kind"]?.stringValue ?? "").padding(toLength: 12, withPad: " ", startingAt: 0)) due \(d["due_at"]?.stringValue ?? "")  owed by \(d["owed_by"]?.stringValue ?? "")  \(late ? "late by \(left.dropFirst())" : "in \(left)")", overdue: late))
        }
        if let e = v["content_erased"] {
            lines.append("content erased at \(e["at"]?.stringValue ?? "") (\(e["why"]?.stringValue ?? "")): \(e["reason"]?.stringValue ?? "")")
        }
        if let e = v["partner_erased"] {
            lines.append("the partner erased its copy at \(e["at"]?.stringValue ?? "") (\(e["why"]?.stringValue ?? ""))")
        }
        if let r = v["request"] {
            if let s = r["offence"]?["summary"]?.stringValue { lines.append("facts: \(s)") }
            if let c = r["custodian"] {
                lines.append("custodian: \([c["name"]?.stringValue, c["location"]?.stringValue].compactMap { $0 }.joined(separator: ", "))")
            }
        }
        let history = v["history"]?.arrayValue ?? []
        lines.append("history (\(history.count) events):")
        for h in history {
            let details = h["details"]?.objectValue.map { o in
                o.members.filter { $0.key != "request" && $0.key != "sealed" }.map { "\($0.key)=\(short($0.value))" }.joined(separator: " ")
            } ?? ""
            lines.append("  \(h["at"]?.stringValue ?? "")  \((h["type"]?.stringValue ?? "").padding(toLength: 18, withPad: " ", startingAt: 0)) \(h["actor"]?.stringValue ?? "")  \(details)")
        }
        return lines.joined(separator: "\n")
    }

    static func short(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s.count > 60 ? String(s.prefix(57)) + "..." : s
        default: let s = v.serializedString(); return s.count > 60 ? String(s.prefix(57)) + "..." : s
        }
    }

    static func alert(_ a: JSONValue) -> String {
        // A counterpart's action is named by what it did (RISK-NOTIFIED, REFUSED, ...).
        let kind = ((a["kind"] == "counterpart" ? a["event"]?.stringValue : nil) ?? a["kind"]?.stringValue ?? "alert").uppercased()
        let line = "[\(a["at"]?.stringValue ?? "")] #\(a["id"]?.intValue ?? 0) \(kind) \(a["summary"]?.stringValue ?? "")"
        return emphasize(line, overdue: kind == "OVERDUE" || kind == "EXPIRED" || (a["level"]?.intValue ?? 0) >= 1)
    }
}
