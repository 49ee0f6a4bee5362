import ContactPointModel
import Foundation
import ContactPointStore

/// The outbox messages that carry alerts to the configured receivers: a webhook gets the
/// alert as JSON, an Alertmanager gets it in its v2 format with the labels
/// `contact_point`, `request_id`, `priority`, `deadline` and `level`. When the missed
/// deadline is met, both get the resolution (for Alertmanager, `endsAt` now).
enum AlertMessages {
    /// How long a firing alert stays firing in Alertmanager without being resolved by us.
    static let firingFor = PolicyDuration.days(30)

    static func messages(for c: OutboxContext, receivers: [AlertReceiver]) -> [OutboxMessage] {
        guard !receivers.isEmpty else { return [] }
        var out: [OutboxMessage] = []
        let context = StoredEventContext(position: 0, eventID: c.stored.id, at: c.stored.at, event: c.event, record: c.record, policy: c.policy)
        if let alert = Alert.from(context, directory: c.directory) {
            for r in receivers { out.append(message(alert, status: "firing", at: c.stored.at, receiver: r, eventID: c.stored.id)) }
        }
        // A deadline that had escalated, was running before this event and is not after it,
        // has just been met (or made moot): resolve each of its levels, once. Later events
        // find it not running before either, so they resolve nothing again.
        if let before = c.previous {
            let running = Set(c.record.deadlines(policy: c.policy).map(\.kind))
            let was = before.deadlines(policy: c.policy)
            let wasRunning = Set(was.map(\.kind))
            for (kind, level) in before.firedEscalations where wasRunning.contains(kind) && !running.contains(kind) {
                let due = was.first { $0.kind == kind }?.dueAt ?? c.stored.at
                for l in 1...level {
                    let resolved = Alert(
                        id: 0, eventID: c.stored.id, requestID: c.record.id, reference: c.record.reference, from: c.record.from,
                        to: c.record.to, priority: c.record.priority, reason: .overdue(kind, level: l),
                        contactPoint: c.record.lifecycleOwner(of: kind), dueAt: due,
                        lateBy: .seconds(max(0, c.stored.at.milliseconds(since: due) / 1000)), level: l, notify: [], at: c.stored.at)
                    // Each level is its own alert at the receiver, so each resolution has its own id.
                    let id = "\(c.stored.id):resolved:\(kind.rawValue):\(l)"
                    for r in receivers { out.append(message(resolved, status: "resolved", at: c.stored.at, receiver: r, eventID: id)) }
                }
            }
        }
        return out
    }

    static func message(_ alert: Alert, status: String, at: Instant, receiver: AlertReceiver, eventID: String) -> OutboxMessage {
        switch receiver.kind {
        case .webhook:
            var o = alert.json(receiver.language, timeZone: receiver.timeZone).objectValue ?? JSONObject()
            o["id"] = nil
            o["status"] = .string(status)
            if status == "resolved" {
                o["summary"] = .string(Message("alert.resolved", ["reference": .verbatim(alert.reference), "reason": .verbatim(alert.reason.description),
                                                                  "at": .time(at)]).render(receiver.language, timeZone: receiver.timeZone))
            }
            return OutboxMessage(destination: receiver.name, kind: OutboundKind.webhook, body: JSONValue.object(o).serialized(), eventID: eventID)
        case .alertmanager:
            return OutboxMessage(destination: receiver.name, kind: OutboundKind.alertmanager,
                                 body: JSONValue.array([alertmanagerAlert(alert, status: status, at: at, language: receiver.language, timeZone: receiver.timeZone)]).serialized(),
                                 eventID: eventID)
        }
    }

    static func alertmanagerAlert(_ a: Alert, status: String, at: Instant, language: Language = .en, timeZone: TimeZone? = nil) -> JSONValue {
        var labels = JSONObject()
        let name: String, deadline: String, endsAt: Instant
        switch a.reason {
        case .overdue(let d, _):
            name = "ContactPointDeadlineOverdue"
            deadline = d.rawValue
            endsAt = status == "resolved" ? at : at + firingFor
        case .reminder(let before):
            name = "ContactPointPreservationExpiring"
            deadline = "expiry"
            labels["before"] = .string(before.description)
            endsAt = a.dueAt
        case .expired:
            name = "ContactPointPreservationExpired"
            deadline = "expiry"
            endsAt = at + .days(1)
        case .logInconsistent(let origin):
            name = "ContactPointLogInconsistent"
            deadline = "log"
            labels["origin"] = .string(origin)
            endsAt = at + firingFor  // never resolved by the daemon: a person must look at the evidence
        case .counterpart(let event):
            name = "ContactPointCounterpartAction"
            labels["event"] = .string(event)
            // What it asks: a risk notice's answer is a deadline; the rest is news for a day.
            deadline = event == "risk-notified" ? DeadlineKind.answerRisk.rawValue : "none"
            endsAt = event == "risk-notified" && a.dueAt > at ? a.dueAt : at + .days(1)
        }
        labels["alertname"] = .string(name)
        labels["contact_point"] = .string(a.contactPoint.code)
        labels["request_id"] = .string(a.requestID)
        labels["priority"] = .string(a.priority.rawValue)
        labels["deadline"] = .string(deadline)
        labels["level"] = .string("\(a.level)")
        labels["reference"] = .string(a.reference)
        var annotations = JSONObject()
        annotations["summary"] = .string(a.summary(language, timeZone: timeZone))
        annotations["reason"] = .string(a.reason.description)
        if !a.notify.isEmpty {
            annotations["notify"] = .string(a.notify.map { "\($0.role) \($0.contactPoint.code)" }.joined(separator: ", "))
        }
        var o = JSONObject()
        o["labels"] = .object(labels)
        o["annotations"] = .object(annotations)
        o["startsAt"] = .string((status == "resolved" ? a.dueAt : at).rfc3339)  // the resolution's due time is the deadline
        o["endsAt"] = .string(endsAt.rfc3339)
        return .object(o)
    }
}

extension OutboxWorker {
    /// The Desk hook that writes alert messages for the configured receivers in the same
    /// transaction as the escalation (or resolution) that causes them.
    func logAlertHooks() -> [@Sendable (Alert) -> [OutboxMessage]] {
        let receivers = config.receivers
        guard !receivers.isEmpty else { return [] }
        return [{ alert in receivers.map { AlertMessages.message(alert, status: "firing", at: alert.at, receiver: $0, eventID: alert.eventID) } }]
    }

    func alertHooks() -> [@Sendable (OutboxContext) -> [OutboxMessage]] {
        let receivers = config.receivers
        guard !receivers.isEmpty else { return [] }
        return [{ AlertMessages.messages(for: $0, receivers: receivers) }]
    }
}
