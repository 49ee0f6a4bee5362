import ContactPointModel
import ContactPointStore

extension Desk {
    /// The messages to partner daemons an event causes: a new request to a contact point
    /// hosted elsewhere goes to its daemon; an action taken here on a request with a party
    /// hosted elsewhere is forwarded to that party's daemon as an event.
    func partnerMessages(for c: OutboxContext) -> [OutboxMessage] {
        let record = c.record
        switch c.event {
        case .submitted(let request):
            guard c.localCodes.contains(record.from), !c.localCodes.contains(record.to) else { return [] }
            return [OutboxMessage(destination: record.to.code, kind: OutboundKind.partnerRequest,
                                  body: request.json.serialized(), eventID: c.stored.id)]
        default:
            let acting: CountryCode, other: CountryCode
            if let action = c.event.action {
                acting = action.side == .requesting ? record.from : record.to
                other = action.side == .requesting ? record.to : record.from
            } else if case .contentErased = c.event {
                // The other party is told, and records it; it keeps its copy under its own retention.
                // A request never delivered there is not (its own message is dropped, unopenable).
                guard record.state != .submitted else { return [] }
                (acting, other) = c.localCodes.contains(record.from) ? (record.from, record.to) : (record.to, record.from)
            } else {
                return []
            }
            guard c.localCodes.contains(acting), !c.localCodes.contains(other) else { return [] }
            let body: JSONValue = [
                "id": .string(c.stored.id), "request_id": .string(c.stored.requestID), "type": .string(c.stored.type),
                "actor": .string(c.stored.actor),
                "at": .string(c.stored.at.rfc3339), "payload": c.stored.payload,  // as stored: sealed until sent
            ]
            return [OutboxMessage(destination: other.code, kind: OutboundKind.partnerEvent,
                                  body: body.serialized(), eventID: c.stored.id)]
        }
    }
}

/// The kinds of outbox messages.
public enum OutboundKind {
    /// A new request, to the requested contact point's daemon (`POST /v1/requests`).
    public static let partnerRequest = "partner-request"
    /// An action's event, to the other party's daemon (`POST /v1/requests/{id}/events`).
    public static let partnerEvent = "partner-event"
    /// An alert to a webhook receiver.
    public static let webhook = "webhook"
    /// An alert (or its resolution) to an Alertmanager.
    public static let alertmanager = "alertmanager"
}

extension Desk {
    /// Stores an event a partner daemon forwards (`POST /v1/requests/{id}/events`): an action
    /// taken on its side of a request shared with a contact point served here. The event
    /// keeps the partner's id, so a retried delivery is stored once (200).
    public func receivePartnerEvent(_ requestID: String, body: [UInt8], from caller: Caller,
                                    reply: @escaping @Sendable (DeskReply) -> Void) {
        var problems = FieldProblems()
        guard let json = try? JSONParser.parse(body), let o = json.objectValue else {
            return reply(.problem(.notJSON("the body must be a JSON object {id, type, actor, at, payload}")))
        }
        let id = o["id"]?.stringValue ?? ""
        let actor = o["actor"]?.stringValue ?? ""
        let at = o["at"]?.stringValue.flatMap(Instant.init(rfc3339:))
        if RequestID(id) == nil { problems.add("id", "required: the partner's event UUID") }
        if actor.isEmpty { problems.add("actor", "required") }
        if at == nil { problems.add("at", "required: an RFC 3339 time") }
        if let rid = o["request_id"]?.stringValue, rid != requestID { problems.add("request_id", "does not match the path") }
        for key in o.keys where !["id", "request_id", "type", "actor", "at", "payload"].contains(key) { problems.add(key, "unknown field") }
        var event: CaseEvent?
        switch CaseEvent.decode(type: o["type"]?.stringValue ?? "", payload: o["payload"] ?? .object(JSONObject())) {
        case .success(.contentErased(let why, let reason)): event = .partnerErased(why: why, reason: reason)
        case .success(let e) where e.action != nil: event = e
        case .success: problems.add("type", "only the events of actions, and erasures, are forwarded between daemons")
        case .failure(let p): problems.all += p.all.map { FieldProblem(field: "payload", reason: $0.description) }
        }
        guard problems.isEmpty, let event, let reportedAt = at else {
            return reply(.problem(.invalid(problems, what: "the forwarded event")))
        }
        let action = event.action
        queue.async { [self] in
            perform(on: requestID) { [self] in
                guard let record = cases[requestID] else {
                    return reply(.problem(.notFound("no request \(requestID): forward the request before its events")))
                }
                let acting = action.map { $0.side == .requesting ? record.from : record.to }
                    ?? (caller.daemonCodes.contains(record.from) ? record.from : record.to)
                guard caller.daemonCodes.contains(acting), !localCodes.contains(acting) else {
                    return reply(.problem(.forbidden("\(caller.identity) may forward events only for the contact point it hosts; \(action?.rawValue ?? event.type) belongs to \(acting)", field: "type")))
                }
                let at = min(reportedAt, clock.now())
                // A retried delivery: stored once already (checked off the Desk's queue, with
                // this request's later commands held until the answer).
                busy.insert(requestID)
                store.contains(eventID: id) { [self] found in
                    queue.async { [self] in
                        busy.remove(requestID)
                        if found {
                            reply(.ok(status: 200, body: ["event_id": .string(id), "stored": true, "duplicate": true]))
                            return finish(requestID)
                        }
                        var events: [(CaseEvent, actor: String, id: String?)] = []
                        if record.state == .submitted && action?.side == .requested {
                            events.append((.delivered(by: caller.identity), caller.identity, nil))
                        }
                        events.append((event, "\(actor) via \(caller.identity)", id))
                        commit(events, for: requestID, at: at) { result, duplicate in
                            switch result {
                            case .success:
                                reply(.ok(status: duplicate ? 200 : 201, body: ["event_id": .string(id), "stored": true, "duplicate": .bool(duplicate)]))
                            case .failure(let p):
                                reply(.problem(p))
                            }
                        }
                        if !busy.contains(requestID) { finish(requestID) }  // refused before the append
                    }
                }
            }
        }
    }

    /// The partner daemon stored our request: record its receipt (`delivered`) and mark the
    /// outbox message delivered, in one transaction.
    public func recordReceipt(_ requestID: String, by identity: String, outboxID: Int64, done: @escaping @Sendable (Bool) -> Void) {
        queue.async { [self] in
            perform(on: requestID) { [self] in
                let now = clock.now()
                guard let record = cases[requestID], record.state == .submitted else {
                    // Already delivered (an event from the partner implied it): just close the message.
                    store.append(WriteBatch(outboxUpdates: [.delivered(id: outboxID, at: now)])) { r in
                        if case .success = r { done(true) } else { done(false) }
                    }
                    return
                }
                commit([(.delivered(by: identity), identity, nil)], for: requestID, at: now,
                       outboxUpdates: [.delivered(id: outboxID, at: now)]) { result, _ in
                    if case .success = result { done(true) } else { done(false) }
                }
            }
        }
    }
}

extension Desk {
    /// The partner refused our request for good (its delivery is parked): the deliver
    /// deadline cannot be met, so it escalates now, one ladder step, with the refusal as its
    /// cause, instead of when the deadline passes. Later steps follow the ladder.
    func deliveryRefused(_ requestID: String, destination: String, reason: String) {
        queue.async { [self] in
            perform(on: requestID) { [self] in
                guard let record = cases[requestID], record.state == .submitted,
                      let deliver = record.deadlines(policy: policy).first(where: { $0.kind == .deliver }) else { return }
                let fired = record.escalations[.deliver] ?? 0
                guard let step = policy[record.priority].escalation.filter({ $0.level > fired }).min(by: { $0.level < $1.level }) else { return }
                let now = clock.now()
                let escalation = Escalation(deadline: .deliver, dueAt: deliver.dueAt, level: step.level, notify: step.notify,
                                            lateBy: .seconds(max(0, now.milliseconds(since: deliver.dueAt) / 1000)),
                                            cause: "\(destination)'s daemon refused the request (\(reason.prefix(200)))")
                commit([(.escalated(escalation), selfIdentity, nil)], for: requestID, at: now) { [self] result, _ in
                    if case .failure(let p) = result {
                        log.error("could not record the escalation of a refused delivery", metadata: ["request": "\(requestID)", "error": "\(p.detail)"])
                    }
                }
            }
        }
    }
}
