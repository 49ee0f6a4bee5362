import ContactPointModel
import ContactPointStore
import Dispatch
import Sealing

/// Personal content (docs/privacy.md): reads that open it are recorded first, erasure
/// destroys its data keys, and the access log shows who read what.
extension Desk {
    /// A request's history with its content opened (erased content dropped), read off the
    /// Desk's queue; `completion` runs on the store's reader queue.
    func openedHistory(of requestID: String,
                       completion: @escaping @Sendable (Result<(events: [StoredEvent], followOns: [String]), StoreError>) -> Void) {
        let vault = self.vault
        store.sealedHistory(of: requestID) { result in
            completion(result.map { (Self.open($0, vault: vault), $0.followOns) })
        }
    }

    /// The events of `history` with their sealed members opened where a data key remains.
    static func open(_ history: EventStore.SealedHistory, vault: Vault) -> [StoredEvent] {
        history.events.map { stored in
            let e = stored.event
            guard SealedContent.isSealed(e.payload, type: e.type) else { return stored }
            let key = history.keys[e.id].flatMap(vault.unwrap)
            var opened = stored
            opened.event.payload = SealedContent.open(e.payload, type: e.type, requestID: e.requestID, key: key) ?? e.payload
            return opened
        }
    }

    /// Records that `caller` is shown the content of `requestID` through `via`, then shows it:
    /// the access log is written durably before the disclosure, as an event of the log itself
    /// (`content-read`, docs/privacy.md §3), so it is covered by the signed log without
    /// touching the request's own history. Reads that arrive while others are being recorded
    /// are recorded together in the next commit, whatever their request. Once the content is
    /// erased there is nothing to disclose, and nothing is recorded.
    func disclose(_ requestID: String, to caller: Caller, via: String, status: Int, reply: @escaping @Sendable (DeskReply) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        if cases[requestID]?.contentErasedAt != nil { return view(requestID, status: status, reply: reply) }
        let first = pendingReads.isEmpty
        pendingReads.append(PendingRead(requestID: requestID, identity: caller.identity, via: via, status: status, reply: reply))
        guard first else { return }
        perform(on: "") { [self] in recordReads() }
    }

    /// Records every read waiting, in one commit, then shows each its request.
    private func recordReads() {
        dispatchPrecondition(condition: .onQueue(queue))
        let readers = pendingReads
        pendingReads = []
        guard !readers.isEmpty else { return finish("") }
        let events = readers.map { r in
            (type: "content-read", actor: r.identity, payload: ["request_id": .string(r.requestID), "via": .string(r.via)] as JSONValue)
        }
        appendLogEvents(events) { [self] stored in
            guard let stored else {
                for r in readers { r.reply(.problem(.readNotRecorded())) }  // the content is not shown
                return
            }
            metrics.increment("contactpoint_content_reads_total", by: Double(stored.count))
            for r in readers { view(r.requestID, status: r.status, reply: r.reply) }
        }
    }

    /// A supervisor erases a request's content on a legal order (`POST /v1/requests/{id}/erase`):
    /// its data keys are destroyed, the erasure is an event, and the other party's daemon is told.
    public func erase(_ requestID: String, reason: String, by caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            perform(on: requestID) { [self] in
                guard let record = cases[requestID] else { return reply(.problem(.notFound(Message("problem.request-not-found.detail", ["id": .verbatim(requestID)])))) }
                let mine = caller.principals.filter { $0.role == .supervisor }.map(\.contactPoint)
                guard mine.contains(where: { ($0 == record.from || $0 == record.to) && localCodes.contains($0) }) else {
                    return reply(.problem(.forbidden(Message("forbidden.erase-supervisors", ["from": .verbatim(record.from.code), "to": .verbatim(record.to.code)]), field: "client_certificate")))
                }
                if let at = record.contentErasedAt {
                    return reply(.problem(.conflict("the content of request \(requestID) was already erased at \(at.rfc3339)", field: "id")))
                }
                commit([(.contentErased(why: "order", reason: reason), caller.identity, nil)], for: requestID, at: clock.now()) { [self] result, _ in
                    switch result {
                    case .success:
                        view(requestID, status: 200, reply: reply)
                    case .failure(let p): reply(.problem(p))
                    }
                }
            }
        }
    }

    /// Who was shown a request's content, when, and through what (`GET /v1/requests/{id}/access-log`).
    public func accessLog(_ requestID: String, by caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            guard let record = cases[requestID] else { return reply(.problem(.notFound(Message("problem.request-not-found.detail", ["id": .verbatim(requestID)])))) }
            guard caller.principals.contains(where: { $0.role == .supervisor && ($0.contactPoint == record.from || $0.contactPoint == record.to) }) else {
                return reply(.problem(.forbidden(Message("forbidden.access-log-supervisors", ["from": .verbatim(record.from.code), "to": .verbatim(record.to.code)]), field: "client_certificate")))
            }
            store.reads(of: requestID) { result in
                switch result {
                case .success(let reads):
                    let items = reads.map { s -> JSONValue in  // events of the log itself: request_id is in the payload
                        ["at": .string(s.event.at.rfc3339), "identity": .string(s.event.actor),
                         "via": s.event.payload["via"] ?? .null, "event_id": .string(s.event.id), "position": .number(Double(s.position))]
                    }
                    reply(.ok(status: 200, body: ["request_id": .string(requestID), "count": .number(Double(items.count)), "items": .array(items)]))
                case .failure(let error):
                    reply(.problem(.storage(error)))
                }
            }
        }
    }
}

/// A read of a request's content waiting for its access-log record.
struct PendingRead {
    var requestID: String
    var identity: String
    var via: String
    var status: Int
    var reply: @Sendable (DeskReply) -> Void
}
