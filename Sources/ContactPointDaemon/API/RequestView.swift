import ContactPointModel
import ContactPointStore
import Sealing

/// The JSON a client sees of a request: `GET /v1/requests/{id}` and queue rows.
enum RequestView {
    /// What the Desk knows of a request at one moment.
    struct Snapshot: Sendable {
        var record: CaseRecord
        var deadlines: [Deadline]
        var overdueKinds: Set<DeadlineKind>
        var level: Int
        var now: Instant

        init(record: CaseRecord, policy: DeadlinePolicy, now: Instant) {
            self.record = record
            deadlines = record.deadlines(policy: policy)
            overdueKinds = Set(record.overdue(at: now, policy: policy).map(\.kind))
            level = record.escalationLevel(policy: policy)
            self.now = now
        }

        var overdue: Bool { !overdueKinds.isEmpty }

        func owner(_ d: Deadline) -> CountryCode { d.owedBy == .requesting ? record.from : record.to }

        /// Writes `deadlineJSON(d)` straight to `w`, byte for byte the same (tested).
        func write(_ d: Deadline, to w: inout JSONWriter) {
            let k = RequestView.deadlineKeys
            w.beginObject()
            w.member(k.kind, d.kind.rawValue)
            w.member(k.dueAt, d.dueAt.rfc3339)
            w.member(k.owedBy, owner(d).code)
            w.member(k.overdue, overdueKinds.contains(d.kind))
            w.member(k.escalationLevel, integer: Int64(record.escalations[d.kind] ?? 0))
            w.member(k.secondsLeft, integer: Int64(d.dueAt.milliseconds(since: now) / 1000))
            w.endObject()
        }

        func deadlineJSON(_ d: Deadline) -> JSONValue {
            [
                "kind": .string(d.kind.rawValue), "due_at": .string(d.dueAt.rfc3339),
                "owed_by": .string(owner(d).code), "overdue": .bool(overdueKinds.contains(d.kind)),
                "escalation_level": .number(Double(record.escalations[d.kind] ?? 0)),
                "seconds_left": .number(Double(d.dueAt.milliseconds(since: now) / 1000)),
            ]
        }
    }

    /// The full view: the request as submitted, its state, deadlines, level and history, written
    /// straight to bytes (no tree is built for it; only each event's details are a tree, as
    /// stored).
    static func encode(_ s: Snapshot, history: [StoredEvent], request known: EvidenceRequest? = nil, followOns: [String] = []) -> [UInt8] {
        let r = s.record
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.member("id", r.id)
        w.member("reference", r.reference)
        w.member("from", r.from.code)
        w.member("to", r.to.code)
        w.member("kind", r.kind.rawValue)
        w.member("priority", r.priority.rawValue)
        w.member("state", r.state.rawValue)
        w.member("overdue", s.overdue)
        w.member("escalation_level", integer: Int64(s.level))
        w.key("deadlines")
        w.beginArray()
        for d in s.deadlines { s.write(d, to: &w) }
        w.endArray()
        w.member("submitted_at", r.lifecycle.submittedAt.rfc3339)
        if let e = r.lifecycle.expiresAt { w.member("expires_at", e.rfc3339) }
        var content = known
        if content == nil, let first = history.first,
           case .success(.submitted(let request)) = CaseEvent.decode(
               type: first.event.type, payload: SealedContent.strippingSealed(first.event.payload, type: first.event.type)) {
            content = request
        }
        if let content {  // in the API's own key order
            w.key("request")
            content.write(to: &w)
        }
        w.key("follow_on_drafts")
        w.beginArray()
        for draft in content.map({ followOnDrafts($0, history: history) }) ?? [] { w.value(draft) }
        w.endArray()
        if let erased = history.last(where: { $0.event.type == "content-erased" }) {
            w.member("content_erased", ["at": .string(erased.event.at.rfc3339), "why": erased.event.payload["why"] ?? .null,
                                        "reason": erased.event.payload["reason"] ?? .null, "by": .string(erased.event.actor)])
        }
        if let erased = history.last(where: { $0.event.type == "partner-erased" }) {
            w.member("partner_erased", ["at": .string(erased.event.at.rfc3339), "why": erased.event.payload["why"] ?? .null])
        }
        // Its links: the earlier request it follows on from, and those that follow on from it.
        w.key("links")
        w.beginObject()
        if let extends = content?.extends { w.member("extends", extends) } else { w.key("extends"); w.null() }
        w.key("extended_by")
        w.beginArray()
        for id in followOns { w.string(id) }
        w.endArray()
        w.endObject()
        w.key("history")
        w.beginArray()
        for event in history { event.write(to: &w) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    static let deadlineKeys = (
        kind: JSONWriter.Key("kind"), dueAt: JSONWriter.Key("due_at"), owedBy: JSONWriter.Key("owed_by"),
        overdue: JSONWriter.Key("overdue"), escalationLevel: JSONWriter.Key("escalation_level"),
        secondsLeft: JSONWriter.Key("seconds_left"))

    /// The Art. 43 requests the latest traffic disclosure calls for, prepared here so that every
    /// client sends the same one: `[{to, request}]`, the request without an id. Empty when there
    /// is no disclosure naming a third country, or its content was erased.
    static func followOnDrafts(_ request: EvidenceRequest, history: [StoredEvent]) -> [JSONValue] {
        guard let disclosure = history.last(where: { $0.event.type == "traffic-disclosed" }),
              case .success(.trafficDisclosed(let providers, let path)) = CaseEvent.decode(
                  type: disclosure.event.type, payload: SealedContent.strippingSealed(disclosure.event.payload, type: disclosure.event.type))
        else { return [] }
        return request.followOns(providers: providers, pathSummary: path, disclosedBy: request.to).map { draft in
            var body = draft.json.objectValue ?? JSONObject()
            body["id"] = nil
            return ["to": .string(draft.to.code), "request": .object(body)]
        }
    }

    /// One row of `GET /v1/queue`.
    static func queueRow(_ s: Snapshot, direction: String) -> JSONValue {
        let r = s.record
        var o = JSONObject()
        o["id"] = .string(r.id)
        o["reference"] = .string(r.reference)
        o["direction"] = .string(direction)
        o["counterpart"] = .string((direction == "incoming" ? r.from : r.to).code)
        o["kind"] = .string(r.kind.rawValue)
        o["priority"] = .string(r.priority.rawValue)
        o["convention_articles"] = .array(r.articles.articles.map { .string($0.rawValue) })
        o["state"] = .string(r.state.rawValue)
        o["overdue"] = .bool(s.overdue)
        o["escalation_level"] = .number(Double(s.level))
        o["next_deadline"] = s.deadlines.first.map(s.deadlineJSON) ?? .null
        return .object(o)
    }
}
