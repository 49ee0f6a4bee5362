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

    /// The reader's language (`--lang`, or LC_ALL / LC_MESSAGES / LANG); set once before printing.
    nonisolated(unsafe) static var language: Language = Help.language  // poc is single-threaded

    /// A catalogue text in the reader's language.
    static func t(_ key: String, _ args: [String: String] = [:], count: Int? = nil) -> String {
        Message(key, args.mapValues { .verbatim($0) }, count: count).render(language)
    }

    /// A duration for people, its two largest units with the language's plural forms:
    /// "3 hours 5 minutes", "3 часа 5 минут", "2 يومين".
    static func duration(_ seconds: Int64) -> String { Message.duration(seconds: seconds).render(language) }

    /// Time left before a deadline, or how late it is once past: "3 hours 5 minutes", "late by 1 hour".
    static func timeLeft(_ seconds: Int64) -> String {
        seconds < 0 ? t("poc.time.late", ["duration": duration(seconds)]) : duration(seconds)
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
        guard !items.isEmpty else { return t("poc.queue.empty", ["codes": codes]) }
        let rows = items.map { i -> [String] in
            let next = i["next_deadline"]
            let deadline = next.flatMap { $0["kind"]?.stringValue.map { k in "\(k) \(time(next?["due_at"]?.stringValue))" } } ?? "-"
            let left = next?["seconds_left"]?.intValue.map { timeLeft(Int64($0)) } ?? "-"
            let direction = i["direction"]?.stringValue ?? ""
            return [i["reference"]?.stringValue ?? "", ["incoming", "outgoing"].contains(direction) ? t("poc.direction.\(direction)") : direction,
                    i["counterpart"]?.stringValue ?? "",
                    i["priority"]?.stringValue ?? "", i["state"]?.stringValue ?? "", deadline, left,
                    (i["overdue"]?.boolValue ?? false) ? t("poc.queue.overdue", ["level": String(i["escalation_level"]?.intValue ?? 0)]) : "",
                    articles(i["convention_articles"]) ?? "-", i["id"]?.stringValue ?? ""]
        }
        let highlight = items.map { $0["overdue"]?.boolValue ?? false }
        let header = ["reference", "direction", "counterpart", "priority", "state", "next-deadline", "time-left", "", "articles", "id"]
            .map { $0.isEmpty ? "" : t("poc.queue.\($0)") }
        var text = table(header, rows, highlight: highlight)
        if count > items.count { text += "\n" + t("poc.queue.shown", ["shown": String(items.count)], count: count) }
        return text
    }

    /// A BCP 47 tag named in the reader's language (ICU's names), with the tag: "Vietnamese (vi)".
    static func languageName(_ tag: String) -> String {
        let name = Locale(identifier: language.rawValue).localizedString(forIdentifier: tag)
        return name.map { $0 == tag ? tag : "\($0) (\(tag))" } ?? tag
    }

    /// Convention articles as `UN-13,BUD-8`; nil when there are none.
    static func articles(_ value: JSONValue?) -> String? {
        let codes = value?.arrayValue?.compactMap(\.stringValue) ?? []
        return codes.isEmpty ? nil : codes.joined(separator: ",")
    }

    /// Times for people: in the reader's zone (TZ), named, or in UTC with `--utc`.
    nonisolated(unsafe) static var utc = false  // set once by the command before it prints; poc is single-threaded

    /// An RFC 3339 time for the reader: in English `2026-12-02 22:07:12 GMT+7` (the reader's
    /// zone) or `… UTC`, in the other languages by ICU's pattern for the language
    /// (`Message.format`); anything that does not parse is shown as it is.
    static func time(_ text: String?) -> String {
        guard let text, let instant = Instant(rfc3339: text) else { return text ?? "" }
        return Message.format(instant, language, utc ? TimeZone(identifier: "UTC")! : TimeZone.current)
    }

    static func request(_ v: JSONValue) -> String {
        var lines: [String] = []
        let overdue = v["overdue"]?.boolValue ?? false
        lines.append("\(v["reference"]?.stringValue ?? "")  \(v["id"]?.stringValue ?? "")")
        lines.append("\(v["kind"]?.stringValue ?? ""), \(v["priority"]?.stringValue ?? ""), \(v["from"]?.stringValue ?? "") → \(v["to"]?.stringValue ?? "")")
        var state = t("poc.show.state", ["state": v["state"]?.stringValue ?? "", "level": String(v["escalation_level"]?.intValue ?? 0)])
        if overdue { state += "   " + emphasize(t("poc.show.overdue"), overdue: true) }
        if let e = v["expires_at"]?.stringValue { state += "   " + t("poc.show.preserved-until", ["time": time(e)]) }
        lines.append(state)
        let deadlines = v["deadlines"]?.arrayValue ?? []
        lines.append(t(deadlines.isEmpty ? "poc.show.no-deadlines" : "poc.show.deadlines"))
        for d in deadlines {
            let late = d["overdue"]?.boolValue ?? false
            let seconds = Int64(d["seconds_left"]?.intValue ?? 0)
            let left = seconds < 0 ? t("poc.time.late", ["duration": duration(seconds)]) : t("poc.time.in", ["duration": duration(seconds)])
            lines.append(emphasize("  " + t("poc.show.deadline", ["kind": (d["kind"]?.stringValue ?? "").padding(toLength: 12, withPad: " ", startingAt: 0),
                                                                 "time": time(d["due_at"]?.stringValue), "owner": d["owed_by"]?.stringValue ?? "",
                                                                 "left": left]), overdue: late))
        }
        if let e = v["content_erased"] {
            lines.append(t("poc.show.erased", ["time": time(e["at"]?.stringValue), "why": e["why"]?.stringValue ?? "", "reason": e["reason"]?.stringValue ?? ""]))
        }
        if let e = v["partner_erased"] {
            lines.append(t("poc.show.partner-erased", ["time": time(e["at"]?.stringValue), "why": e["why"]?.stringValue ?? ""]))
        }
        if let r = v["request"] { lines += content(r) }
        if let links = v["links"] {
            var parts: [String] = []
            if let e = links["extends"]?.stringValue { parts.append(t("poc.show.follows-on-from", ["id": e])) }
            let by = links["extended_by"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if !by.isEmpty { parts.append(t("poc.show.followed-by", ["ids": by.joined(separator: ", ")])) }
            if !parts.isEmpty { lines.append(t("poc.show.links", ["links": parts.joined(separator: "; ")])) }
        }
        let history = v["history"]?.arrayValue ?? []
        lines.append(t("poc.show.history", count: history.count))
        for h in history {
            let details = h["details"]?.objectValue.map { o in
                o.members.filter { $0.key != "request" && $0.key != "sealed" }.map { "\($0.key)=\(short($0.value))" }.joined(separator: " ")
            } ?? ""
            lines.append("  \(time(h["at"]?.stringValue))  \((h["type"]?.stringValue ?? "").padding(toLength: 18, withPad: " ", startingAt: 0)) \(h["actor"]?.stringValue ?? "")  \(details)")
        }
        return lines.joined(separator: "\n")
    }

    /// All of a request's content, as an officer reads it to know what to preserve: every
    /// member, long texts in full, data items with their identifiers and periods.
    static func content(_ r: JSONValue) -> [String] {
        guard let o = r.objectValue else { return [] }
        // The language the request was written in, named in the reader's: "Vietnamese (vi)", "вьетнамский (vi)".
        var lines = [o["language"]?.stringValue.map { t("poc.show.written-in", ["language": languageName($0)]) } ?? t("poc.show.request")]
        func text(_ v: JSONValue?) -> String? { v?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        for (key, value) in o.members {
            switch key {
            case "id", "reference", "from", "to", "kind", "priority", "language":
                continue
            case "authority":
                lines.append("  authority: " + [text(value["name"]), text(value["contact"])].compactMap { $0 }.joined(separator: ", "))
            case "offence":
                lines.append("  offence: \(text(value["description"]) ?? "")\(text(value["legal_provision"]).map { " (\($0))" } ?? "")")
                if let a = articles(value["convention_articles"]) {
                    let titles = (value["convention_articles"]?.arrayValue ?? []).compactMap {
                        $0.stringValue.flatMap(ConventionArticle.init(rawValue:)).map { "\($0.rawValue) \($0.title)" }
                    }
                    lines.append("    convention articles: \(titles.isEmpty ? a : titles.joined(separator: "; "))")
                }
                if let s = text(value["summary"]) { lines.append("    facts: \(s)") }
            case "data":
                for (i, item) in (value.arrayValue ?? []).enumerated() {
                    lines.append("  data \(i + 1): \(text(item["description"]) ?? "")")
                    if let s = text(item["relation_to_offence"]) { lines.append("    relation to the offence: \(s)") }
                    for id in item["identifiers"]?.arrayValue ?? [] {
                        lines.append("    identifier: \(text(id["type"]) ?? "") \(text(id["value"]) ?? "")")
                    }
                    if let p = item["period"] {
                        lines.append("    period: \(text(p["from"]) ?? "?") to \(text(p["to"]) ?? "?")")
                    }
                }
            case "custodian":
                lines.append("  custodian: " + [text(value["name"]), text(value["location"])].compactMap { $0 }.joined(separator: ", "))
            case "necessity":
                lines.append("  necessity: \(text(value) ?? "")")
            case "mla_intended":
                lines.append("  MLA request intended: \(value.boolValue == true ? "yes" : "no")")
            case "emergency":
                lines.append("  emergency: \(text(value["facts"]) ?? "")")
                if let s = text(value["data_relevance"]) { lines.append("    why these data: \(s)") }
            case "confidential":
                lines.append("  confidential (do not notify the user): \(value.boolValue == true ? "yes" : "no")")
            case "case_reference":
                lines.append("  case reference: \(text(value) ?? "")")
            case "extends":
                lines.append("  follows on from: \(text(value) ?? "")")
            case "attachments":
                for a in value.arrayValue ?? [] {
                    lines.append("  attachment: \(text(a["name"]) ?? "") (\(text(a["media_type"]) ?? ""), sha256 \(text(a["sha256"]) ?? ""))")
                }
            default:
                lines.append("  \(key.replacingOccurrences(of: "_", with: " ")): \(value.stringValue ?? value.serializedString())")
            }
        }
        return lines
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
        let line = "[\(time(a["at"]?.stringValue))] #\(a["id"]?.intValue ?? 0) \(kind) \(a["summary"]?.stringValue ?? "")"
        return emphasize(line, overdue: kind == "OVERDUE" || kind == "EXPIRED" || (a["level"]?.intValue ?? 0) >= 1)
    }
}
