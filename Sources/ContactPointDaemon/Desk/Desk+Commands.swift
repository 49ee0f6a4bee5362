import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import Sealing
import Synchronization

/// What the Desk answers a command with; the router turns it into HTTP.
public enum DeskReply: Sendable {
    case ok(status: Int, body: JSONValue, location: String? = nil)
    /// A request's view, written to bytes by `encode` where the answer is sent (the connection's
    /// queue), not on the Desk's queue, which every request passes through.
    case view(status: Int, location: String, encode: @Sendable () -> [UInt8])
    case problem(Problem)

    /// The status of a successful answer.
    public var status: Int? {
        switch self {
        case .ok(let status, _, _), .view(let status, _, _): return status
        case .problem: return nil
        }
    }

    /// The body of a successful answer as a JSON value (a view is encoded and parsed: for tests
    /// and other in-process readers).
    public var json: JSONValue? {
        switch self {
        case .ok(_, let body, _): return body
        case .view(_, _, let encode): return try? JSONParser.parse(encode())
        case .problem: return nil
        }
    }
}

extension Desk {
    // MARK: - Submit

    /// Stores a new request (201), recognises an identical retry (200) or a clash (409).
    /// People submit for a contact point this daemon serves; a partner daemon forwards a
    /// request from the contact point it hosts to one served here.
    ///
    /// A forwarded request carries its submit time on the requesting side (`submittedAt`): it
    /// becomes the time of the `submitted` event here, so both sides count deliver, acknowledge
    /// and preserve from one instant, however late the delivery. A time ahead of this clock
    /// (beyond the skew bound) is not believed: now is used, and the skew logged.
    public func submit(_ request: EvidenceRequest, by caller: Caller, submittedAt: Instant? = nil,
                       reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            if let problem = checkSubmitter(request, caller) { return reply(.problem(problem)) }
            perform(on: request.id) { [self] in
                if cases[request.id] != nil { return answerRetry(request, caller: caller, reply: reply) }
                let now = clock.now()
                var events: [(CaseEvent, actor: String, id: String?)] = [(.submitted(request), caller.identity, nil)]
                if localCodes.contains(request.to) { events.append((.delivered(by: selfIdentity), selfIdentity, nil)) }
                var first: Instant?
                if let theirs = submittedAt {
                    if theirs.milliseconds(since: now) > OutboxWorker.clockSkewBound.seconds * 1000 {
                        log.warning("a forwarded request's submit time is ahead of this clock; counting from now", metadata: [
                            "request": "\(request.id)", "submitted_at": "\(theirs.rfc3339)", "now": "\(now.rfc3339)", "from": "\(caller.identity)"])
                    } else {
                        first = min(theirs, now)
                    }
                }
                commit(events, for: request.id, at: now, firstAt: first) { [self] result, _ in
                    switch result {
                    case .success(let stored):
                        // A new request's whole history is what was just stored: no read back.
                        guard let record = cases[request.id] else { return reply(.problem(.notFound(Message("problem.request-not-found.detail", ["id": .verbatim(request.id)])))) }
                        let snapshot = RequestView.Snapshot(record: record, policy: policy, now: clock.now())
                        reply(.view(status: 201, location: "/v1/requests/\(request.id)") {
                            RequestView.encode(snapshot, history: stored, request: request)
                        })
                    case .failure(let p) where p.isConcurrentWrite:
                        // The pair's other daemon stored this id a moment before, as when a client
                        // sends again to it after this one's first answer was lost: learn what the
                        // log holds, then answer as any retry is answered (200 for the same content).
                        follow { [self] in
                            guard cases[request.id] != nil else { return reply(.problem(p)) }
                            answerRetry(request, caller: caller, reply: reply)
                        }
                    case .failure(let p): reply(.problem(p))
                    }
                }
            }
        }
    }

    private func checkSubmitter(_ request: EvidenceRequest, _ caller: Caller) -> Problem? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let toPoint = directory.contactPoints[request.to] else {
            return .invalid(FieldProblems([FieldProblem(field: "to", message: Message("reason.to-not-in-directory", ["code": .verbatim(request.to.code)]))]))
        }
        if toPoint.host == .none {
            let ways = [toPoint.telephone.map { Message("reach.telephone", ["number": .verbatim($0)]) },
                        toPoint.email.map { Message("reach.email", ["address": .verbatim($0)]) }].compactMap { $0 }
            let how = ways.count == 2 ? Message("reach.or", ["first": ways[0], "second": ways[1]]) : ways.first ?? .verbatim("")
            return .invalid(FieldProblems([FieldProblem(field: "to", message: Message("reason.to-no-daemon", [
                "code": .verbatim(request.to.code), "name": .verbatim(toPoint.name), "how": how]))]))
        }
        if caller.daemonCodes.contains(request.from) {
            guard toPoint.host == .local else {
                return .forbidden("\(request.to) is not served by this daemon; a partner may forward only requests to contact points served here", field: "to")
            }
            return nil
        }
        guard caller.peopleCodes.contains(request.from) else {
            let mine = caller.codes.map(\.code).sorted().joined(separator: ", ")
            return .forbidden(Message("forbidden.submit-not-yours", ["mine": mine.isEmpty ? Message("forbidden.no-contact-point") : .verbatim(mine),
                                                                     "from": .verbatim(request.from.code)]), field: "from")
        }
        guard localCodes.contains(request.from) else {
            return .forbidden(Message("forbidden.served-elsewhere-submit", ["code": .verbatim(request.from.code)]), field: "from")
        }
        return nil
    }

    /// Same id again: identical content is an idempotent retry, anything else a conflict.
    private func answerRetry(_ request: EvidenceRequest, caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let record = cases[request.id], caller.mayRead(record) else {
            return reply(.problem(.conflict("a request with id \(request.id) already exists", field: "id")))
        }
        if let at = record.contentErasedAt {
            return reply(.problem(.conflict("a request with id \(request.id) already exists; its content was erased at \(at.rfc3339)", field: "id")))
        }
        openedHistory(of: request.id) { [self] result in
            guard case .success(let history) = result, let first = history.events.first,
                  case .success(.submitted(let stored)) = CaseEvent.decode(
                      type: first.event.type, payload: SealedContent.strippingSealed(first.event.payload, type: first.event.type))
            else { return reply(.problem(.storage("cannot read request \(request.id)"))) }
            if stored.canonicalBytes == request.canonicalBytes {
                // The answer shows the request as stored, its history included: a read like any other.
                queue.async { [self] in disclose(request.id, to: caller, via: "POST /v1/requests", status: 200, reply: reply) }
            } else {
                reply(.problem(.conflict("a request with id \(request.id) already exists with other content", field: "id")))
            }
        }
    }

    // MARK: - Actions

    /// Takes an action on a request for the side the caller acts for.
    public func act(_ requestID: String, _ input: ActionInput, by caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            perform(on: requestID) { [self] in
                guard let record = cases[requestID] else { return reply(.problem(.notFound(Message("problem.request-not-found.detail", ["id": .verbatim(requestID)])))) }
                guard caller.mayRead(record) else {
                    return reply(.problem(.forbidden(Message("forbidden.neither-side", ["from": .verbatim(record.from.code), "to": .verbatim(record.to.code)]), field: "id")))
                }
                // The sides the caller works for as a person (a partner daemon forwards events instead).
                var sides = Set<Side>()
                if caller.peopleCodes.contains(record.from) { sides.insert(.requesting) }
                if caller.peopleCodes.contains(record.to) { sides.insert(.requested) }
                guard let anySide = sides.first else {
                    return reply(.problem(.forbidden("a partner daemon forwards events; it does not take actions", field: "action")))
                }
                let side = sides.contains(input.action.side) ? input.action.side : anySide
                let actingCode = side == .requesting ? record.from : record.to
                guard localCodes.contains(actingCode) else {
                    return reply(.problem(.forbidden(Message("forbidden.served-elsewhere-act", ["code": .verbatim(actingCode.code)]), field: "action")))
                }
                // UN art. 42 and Budapest art. 29(3)-(4): dual criminality is no ground to refuse
                // preservation, unless the requested State reserved it (its directory entry says so).
                if case .refuse(.dualCriminality, _) = input,
                   !(directory.contactPoints[record.to]?.reservations.contains(.dualCriminality) ?? false) {
                    return reply(.problem(.invalid(FieldProblems([FieldProblem(field: "ground", message:
                        Message("reason.dual-criminality-not-reserved", ["code": .verbatim(record.to.code)]))]), what: "action")))
                }
                let now = clock.now()
                let event: CaseEvent
                do throws(LifecycleRefusal) { event = try record.decide(input, by: side, at: now, policy: policy) } catch {
                    return reply(.problem(.lifecycle(error)))
                }
                commit([(event, caller.identity, nil)], for: requestID, at: now) { [self] result, _ in
                    switch result {
                    // The answer shows the request's content: the read is recorded before it.
                    case .success: disclose(requestID, to: caller, via: "POST /v1/requests/{id}/\(input.action.rawValue)", status: 200, reply: reply)
                    case .failure(let p): reply(.problem(p))
                    }
                }
            }
        }
    }

    // MARK: - Reading

    /// The request, its state, deadlines, escalation level and full history.
    public func get(_ requestID: String, by caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            guard let record = cases[requestID] else { return reply(.problem(.notFound(Message("problem.request-not-found.detail", ["id": .verbatim(requestID)])))) }
            guard caller.mayRead(record) else {
                return reply(.problem(.forbidden(Message("forbidden.not-your-request", [
                    "id": .verbatim(requestID), "from": .verbatim(record.from.code), "to": .verbatim(record.to.code),
                    "mine": caller.codes.isEmpty ? Message("forbidden.no-contact-point")
                        : .verbatim(caller.codes.map(\.code).sorted().joined(separator: ", "))]), field: "id")))
            }
            disclose(requestID, to: caller, via: "GET /v1/requests/{id}", status: 200, reply: reply)
        }
    }

    /// Builds the view of a request from memory (state, deadlines) and the store (history).
    func view(_ requestID: String, status: Int, reply: @escaping @Sendable (DeskReply) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let record = cases[requestID] else { return reply(.problem(.notFound(Message("problem.request-not-found.detail", ["id": .verbatim(requestID)])))) }
        let now = clock.now()
        let snapshot = RequestView.Snapshot(record: record, policy: policy, now: now)
        openedHistory(of: requestID) { result in
            switch result {
            case .success(let history):
                reply(.view(status: status, location: "/v1/requests/\(requestID)") {
                    RequestView.encode(snapshot, history: history.events, followOns: history.followOns)
                })
            case .failure(let error):
                reply(.problem(.storage(error)))
            }
        }
    }

    /// Open requests the caller's contact points must act on or are waiting for, by next deadline.
    ///
    /// A scan of every request: it runs in slices of `queueScanSlice` with the Desk's queue
    /// free in between, so with a million open requests a listing delays a submission by one
    /// slice, not by the whole scan. Only the rows returned are rendered.
    public func queue(for caller: Caller, filter: QueueFilter, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            let scan = QueueScan(caller: caller, filter: filter, now: clock.now())
            continueScan(scan, from: 0, reply: reply)
        }
    }

    static let queueScanSlice = 50_000

    private func continueScan(_ scan: QueueScan, from start: Int, reply: @escaping @Sendable (DeskReply) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        let end = min(cases.count, start + Self.queueScanSlice)
        let mine = scan.caller.peopleCodes
        let policy = self.policy  // read once per slice, not once per request
        for i in start..<end {
            let record = cases[CaseTable.Slot(i)]
            guard !record.state.isFinal else { continue }
            let incoming = mine.contains(record.to)
            guard incoming || mine.contains(record.from) else { continue }
            if let d = scan.filter.direction, d != (incoming ? "incoming" : "outgoing") { continue }
            if let p = scan.filter.priority, p != record.priority { continue }
            if let s = scan.filter.state, s != record.state { continue }
            if let a = scan.filter.article, !record.articles.contains(a) { continue }
            if let o = scan.filter.overdue, o != overdueSlots.contains(CaseTable.Slot(i)) { continue }
            let next = record.deadlines(policy: policy).first?.dueAt.millisecondsSince1970 ?? Int64.max
            scan.matches.append((next, CaseTable.Slot(i)))
        }
        if end < cases.count {
            queue.async { [self] in continueScan(scan, from: end, reply: reply) }
            return
        }
        scan.matches.sort { $0.next < $1.next || ($0.next == $1.next && $0.slot < $1.slot) }
        let items = scan.matches.prefix(scan.filter.limit).map { match -> JSONValue in
            let record = cases[match.slot]
            let snapshot = RequestView.Snapshot(record: record, policy: policy, now: scan.now)
            return RequestView.queueRow(snapshot, direction: mine.contains(record.to) ? "incoming" : "outgoing")
        }
        let body: JSONValue = [
            "contact_points": .array(mine.map(\.code).sorted().map(JSONValue.string)),
            "count": .number(Double(scan.matches.count)), "items": .array(Array(items)),
            "generated_at": .string(scan.now.rfc3339),
        ]
        // Serialising up to 500 rows is the router's work, off the Desk's queue.
        DispatchQueue.global().async { reply(.ok(status: 200, body: body)) }
    }

    /// `{"status":"ok","open":N,"overdue":N}` plus outbox figures, from the counts the Desk
    /// publishes as they change and the outbox summary as the store keeps it: answered on the
    /// caller's thread (a lock each, no hop), or, when the store keeps no summary, after a read
    /// of it off the caller's thread.
    public func health(reply: @escaping @Sendable (Health) -> Void) {
        let counts = publishedCounts.withLock { $0 }
        let now = clock.now()
        let answer: @Sendable ((depth: Int, parked: Int, oldest: Instant?)?) -> Void = { outbox in
            reply(Health(open: counts.open, overdue: counts.overdue, outboxDepth: outbox?.depth ?? 0, outboxParked: outbox?.parked ?? 0,
                         outboxOldestAgeSeconds: outbox?.oldest.map { max(0, now.milliseconds(since: $0) / 1000) } ?? 0))
        }
        if let kept = store.cachedOutboxSummary() { return answer(kept) }
        DispatchQueue.global().async { [store] in answer(try? store.outboxSummary()) }
    }

    /// Brings `publishedCounts` up to date; called wherever the open or overdue count changes.
    func publishCounts() {
        dispatchPrecondition(condition: .onQueue(queue))
        var open = 0
        for (state, count) in stateCounts where !state.isFinal { open += count }
        let counts = PublishedCounts(open: open, overdue: overdueSlots.count)
        publishedCounts.withLock { $0 = counts }
    }

    /// The counts `GET /healthz` reads without the Desk's queue (`publishedCounts`).
    struct PublishedCounts: Sendable {
        var open = 0
        var overdue = 0
    }

    /// What `GET /healthz` reports of the requests and the outbox.
    public struct Health: Sendable {
        public var open: Int
        public var overdue: Int
        public var outboxDepth: Int
        public var outboxParked: Int
        public var outboxOldestAgeSeconds: Int64

        /// The answer, with this daemon's role in its pair and its instance name, written straight
        /// to bytes (monitors poll it: a tree built and walked for it was a sixth of a `GET`).
        func encoded(role: String, instance: String) -> [UInt8] {
            var w = JSONWriter(capacity: 192)
            w.beginObject()
            w.member(Self.keys.status, "ok")
            w.member(Self.keys.open, integer: Int64(open))
            w.member(Self.keys.overdue, integer: Int64(overdue))
            w.member(Self.keys.outboxDepth, integer: Int64(outboxDepth))
            w.member(Self.keys.outboxParked, integer: Int64(outboxParked))
            w.member(Self.keys.outboxOldestAge, integer: outboxOldestAgeSeconds)
            w.member(Self.keys.role, role)
            w.member(Self.keys.instance, instance)
            w.endObject()
            return w.bytes
        }

        private static let keys = (
            status: JSONWriter.Key("status"), open: JSONWriter.Key("open"), overdue: JSONWriter.Key("overdue"),
            outboxDepth: JSONWriter.Key("outbox_depth"), outboxParked: JSONWriter.Key("outbox_parked"),
            outboxOldestAge: JSONWriter.Key("outbox_oldest_age_seconds"), role: JSONWriter.Key("role"),
            instance: JSONWriter.Key("instance"))
    }

    /// Gauges for /metrics: requests by state, overdue, scheduled deadlines. Constant time.
    public func gauges(reply: @escaping @Sendable ([Metrics.Gauge]) -> Void) {
        queue.async { [self] in
            reply([
                Metrics.Gauge("contactpoint_requests", help: "Requests by state",
                              RequestState.allCases.map { ([("state", $0.rawValue)], Double(stateCounts[$0] ?? 0)) }),
                Metrics.Gauge("contactpoint_requests_overdue", help: "Open requests with a missed deadline", [([], Double(overdueSlots.count))]),
                Metrics.Gauge("contactpoint_deadlines_scheduled", help: "Requests with a deadline, reminder or expiry scheduled",
                              [([], Double(deadlines.count))]),
                Metrics.Gauge("contactpoint_requests_by_article",
                              help: "Requests by the convention article their offence falls under (one may count under several; none: unclassified)",
                              (ConventionArticle.allCases.map(\.rawValue) + ["none"]).enumerated().map {
                                  ([("article", $0.element)], Double(cases.articleCounts[$0.offset]))
                              }),
            ])
        }
    }
}

/// A queue listing in progress (owned by the Desk's queue while it scans).
final class QueueScan: @unchecked Sendable {  // touched only on the Desk's queue
    let caller: Caller
    let filter: QueueFilter
    let now: Instant
    var matches: [(next: Int64, slot: CaseTable.Slot)] = []
    init(caller: Caller, filter: QueueFilter, now: Instant) {
        self.caller = caller
        self.filter = filter
        self.now = now
    }
}

/// The filters of `GET /v1/queue`.
public struct QueueFilter: Sendable {
    public var overdue: Bool?
    public var priority: Priority?
    public var direction: String?
    public var state: RequestState?
    /// Only requests classified under this article (`offence.convention_articles`).
    public var article: ConventionArticle?
    public var limit: Int = 500

    public init() {}
}
