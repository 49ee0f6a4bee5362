import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import Logging
import Sealing
import Synchronization

/// The Desk owns every open request and the deadline queue, on one serial queue, so the
/// domain needs no locks. It validates commands against the lifecycle, records their
/// events durably (a caller hears the answer only after the store's group commit), keeps
/// one `DispatchSourceTimer` armed for the earliest deadline, and escalates.
///
/// While a request has an append in flight, later commands for it wait their turn, so
/// every command sees the state the previous one left, and nothing changes in memory
/// before it is durable.
public final class Desk: @unchecked Sendable {  // all mutable state is owned by `queue`
    let queue = DispatchQueue(label: "contactpoint.desk", qos: .userInitiated)
    let store: EventStore
    let alerts: AlertHub
    let metrics: Metrics
    let log: Logger
    /// The daemon's one clock (tests pass a manual one).
    let clock: Clock
    /// This daemon's certificate identity: the actor of its own events and receipts.
    let selfIdentity: String
    /// The directory and the policy in force (one owner, shared with the router and the outbox).
    let settings: Settings
    /// The master keys that wrap the data keys sealing requests' content (docs/privacy.md).
    let vault: Vault

    /// The policy in force (read from `settings`; a command reads it on the Desk's queue,
    /// where reloads happen, so it does not change under a command).
    var policy: DeadlinePolicy { settings.policy }
    var directory: Directory { settings.directory }
    var cases = CaseTable()
    var stateCounts: [RequestState: Int] = [:]
    /// Open requests with a missed running deadline, kept current by `wakeTime` (no scans).
    var overdueSlots = Set<CaseTable.Slot>()
    /// The open and overdue counts as `GET /healthz` reports them, published by this queue
    /// (their one owner) each time they change (`publishCounts`): a health check reads them
    /// on its connection's queue instead of making two hops through the Desk's.
    let publishedCounts = Mutex(PublishedCounts())
    var deadlines = DeadlineQueue()
    var busy: Set<String> = []
    var waiting: [String: [() -> Void]] = [:]
    var timer: DispatchSourceTimer?
    var armedFor: Instant?
    /// Whether the timer drives itself (false in tests that fire by hand).
    let automaticTimer: Bool
    /// Outbound messages an event causes, beyond the partner forwarding the Desk does itself.
    var outboxHooks: [@Sendable (OutboxContext) -> [OutboxMessage]] = []
    /// Called after events are durable (the outbox worker wakes on it).
    var onDurable: (@Sendable () -> Void)?
    /// Who waits for the commands in flight to finish (shutdown).
    var drainWaiters: [DrainWaiter] = []
    /// Events of the log itself recorded so far: the next one's sequence (docs/audit.md §7).
    var logEventCount = 0
    /// Reads of requests' content waiting to be recorded in the access log: those that arrive
    /// while others are being recorded are recorded together, in one commit (docs/privacy.md §3).
    var pendingReads: [PendingRead] = []
    /// Outbound messages an alert of the log itself causes (the alert receivers).
    var logAlertHooks: [@Sendable (Alert) -> [OutboxMessage]] = []
    /// Whether this Desk fires deadlines: always on SQLite; on PostgreSQL only while its
    /// daemon leads the pair (`lead`, `standBy`).
    var firing = true
    /// The session holding the leadership lock, which the store checks at each firing.
    var leaderSession: Int32?
    /// Bumped at each `lead` and `standBy`, so a catch-up that finishes after leadership
    /// went (or came again) does not start firing for a term that is over.
    var leadTerm = 0
    /// Following the log for other daemons' writes (PostgreSQL): the last position read,
    /// whether a read is in flight, who waits for it, and the timer that starts reads.
    var followedPosition: Int64 = 0
    var following = false
    var followWaiters: [() -> Void] = []
    var followTimer: DispatchSourceTimer?
    var followFailing = false

    /// A Desk over `store`. Wire it (`wire(outboxHooks:onDurable:)`) before `replay()`,
    /// which arms the timer.
    public init(store: EventStore, settings: Settings, vault: Vault, alerts: AlertHub, metrics: Metrics,
                selfIdentity: String, log: Logger, automaticTimer: Bool = true, clock: Clock) {
        self.store = store
        self.vault = vault
        self.settings = settings
        self.alerts = alerts
        self.metrics = metrics
        self.selfIdentity = selfIdentity
        self.log = log
        self.automaticTimer = automaticTimer
        self.clock = clock
    }

    /// Sets what the Desk calls as events become durable: the outbox hooks that add
    /// messages to an event's transaction, and the outbox worker's wake-up. Call once,
    /// before `replay()`.
    public func wire(outboxHooks hooks: [@Sendable (OutboxContext) -> [OutboxMessage]], onDurable: (@Sendable () -> Void)?,
                     logAlertHooks: [@Sendable (Alert) -> [OutboxMessage]] = []) {
        queue.sync {
            outboxHooks = hooks
            self.onDurable = onDurable
            self.logAlertHooks = logAlertHooks
        }
    }

    /// Records an event of the log itself (request id `""`, docs/audit.md §7) — a partner's
    /// checkpoint that contradicts one cosigned earlier — and raises its alert once durable.
    func recordLogEvent(type: String, payload: JSONValue, done: (@Sendable (Bool) -> Void)? = nil) {
        queue.async { [self] in
            perform(on: "") { [self] in
                // The alert's receivers get it in the same transaction (its id is known once stored).
                let alertOutbox: ([NewEvent]) -> [OutboxMessage] = { [self] events in
                    events.flatMap { e in
                        Alert.logEvent(StoredEvent(position: 0, event: e, previousHash: "", hash: ""), directory: directory)
                            .map { a in logAlertHooks.flatMap { $0(a) } } ?? []
                    }
                }
                appendLogEvents([(type, selfIdentity, payload)], outbox: alertOutbox) { [self] stored in
                    for s in stored ?? [] {
                        guard let alert = Alert.logEvent(s, directory: directory) else { continue }
                        alerts.publish(alert)
                        metrics.increment("contactpoint_alerts_published_total", [("kind", alert.reason.kind)])
                        log.critical("\(alert.summary)", metadata: ["alert": "\(alert.id)", "reason": "\(alert.reason)"])
                    }
                    done?(stored != nil)
                }
            }
        }
    }

    /// Appends events of the log itself, numbered after those already recorded, in one
    /// transaction with the messages `outbox` derives from them. Call it inside
    /// `perform(on: "")`: it holds `""` busy until the outcome is known, and `done` runs on
    /// the Desk's queue with the stored events (nil if they could not be stored) before the
    /// next command on `""` starts.
    func appendLogEvents(_ events: [(type: String, actor: String, payload: JSONValue)],
                         outbox: ([NewEvent]) -> [OutboxMessage] = { _ in [] },
                         done: @escaping @Sendable ([StoredEvent]?) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        busy.insert("")
        let now = clock.now()
        let numbered = events.enumerated().map { i, e in
            NewEvent(id: RequestID.timeOrdered(at: now).description, requestID: "", sequence: logEventCount + i, type: e.type,
                     actor: e.actor, at: now, payload: e.payload)
        }
        let messages = outbox(numbered)
        store.append(WriteBatch(events: numbered, outbox: messages)) { [self] result in
            queue.async { [self] in
                if case .success(.stored(let stored)) = result {
                    // The store numbers them on PostgreSQL, where the other daemon writes some too.
                    logEventCount = max(logEventCount + stored.count, (stored.last?.event.sequence ?? -1) + 1)
                    if !messages.isEmpty { onDurable?() }
                    done(stored)
                } else {
                    log.error("could not record events of the log itself", metadata: [
                        "types": "\(Set(events.map(\.type)).sorted())", "result": "\(result)",
                    ])
                    done(nil)
                }
                finish("")
            }
        }
    }

    /// The contact points this daemon serves.
    var localCodes: Set<CountryCode> {
        dispatchPrecondition(condition: .onQueue(queue))
        return directory.localCodes
    }

    // MARK: - One command at a time per request

    /// Runs `body` on the Desk's queue once no append is in flight for `requestID`.
    func perform(on requestID: String, _ body: @escaping () -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        if busy.contains(requestID) {
            waiting[requestID, default: []].append(body)
        } else {
            body()
        }
    }

    /// Ends the command in flight for `requestID` and runs the next one waiting.
    func finish(_ requestID: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        busy.remove(requestID)
        guard var queue = waiting[requestID], !queue.isEmpty else { return notifyDrainedIfIdle() }
        let next = queue.removeFirst()
        waiting[requestID] = queue.isEmpty ? nil : queue
        next()
    }

    /// Records `events` for `requestID` durably and then applies them in memory, publishes
    /// their alerts and reschedules the request. `record` is the request's state before
    /// (nil when `events` start with `submitted`).
    ///
    /// - Parameters:
    ///   - ids: event ids to use (a partner's events keep theirs); fresh UUIDs otherwise.
    ///   - done: runs on the Desk's queue after the outcome is known.
    func commit(_ events: [(CaseEvent, actor: String, id: String?)], for requestID: String, at batchTime: Instant,
                firstAt: Instant? = nil,
                outbox extra: [OutboxMessage] = [], outboxUpdates: [OutboxUpdate] = [], fenced: Bool = false,
                done: @escaping @Sendable (Result<[StoredEvent], Problem>, _ duplicate: Bool) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        precondition(!busy.contains(requestID), "commit while \(requestID) is busy")
        var base = cases[requestID]
        var newEvents: [NewEvent] = []
        var outbox = extra
        var sequence = base?.eventCount ?? 0
        // Build the events and, by folding them into a copy, check they apply.
        var dataKeys: [WrappedDataKey] = []
        var erased: [String] = []
        for (index, (event, actor, id)) in events.enumerated() {
            // Every event at the batch's time, but the first may carry its own (a partner's submit time).
            let time = index == 0 ? (firstAt ?? batchTime) : batchTime
            let eventID = id ?? RequestID.timeOrdered(at: batchTime).description  // when it is made here, not the partner's time
            // Content is sealed before the store sees it, under a data key of this event's own.
            var payload = event.payload
            var dataKey: [UInt8]?
            if SealedContent.carriesContent(event.type) {
                let fresh = vault.newDataKey(eventID: eventID, requestID: requestID)
                if let sealed = SealedContent.seal(payload, type: event.type, requestID: requestID, key: fresh.key) {
                    payload = sealed
                    // Content that arrives after the request's content was erased is sealed under
                    // a key that is never stored: the erasure covers it too (docs/privacy.md §4).
                    if base?.contentErasedAt == nil {
                        dataKey = fresh.key
                        dataKeys.append(fresh.wrapped)
                    }
                }
            }
            if case .contentErased = event { erased.append(requestID) }
            let newEvent = NewEvent(id: eventID, requestID: requestID, sequence: sequence,
                                    type: event.type, actor: actor, at: time, payload: payload)
            let previous = base
            if case .submitted(let request) = event {
                base = CaseRecord(request, submittedAt: time)
            } else {
                do throws(LifecycleRefusal) { try base!.apply(event, at: time) } catch {
                    done(.failure(.lifecycle(error)), false)
                    return
                }
            }
            let context = OutboxContext(event: event, stored: newEvent, previous: previous, record: base!,
                                        localCodes: localCodes, directory: directory, policy: policy)
            // A request waiting for a partner is sealed under its event's key; an action's event
            // waits with its payload as stored (sealed), opened when it is sent.
            outbox += partnerMessages(for: context).map { m in
                guard m.kind == OutboundKind.partnerRequest else { return m }
                var sealed = m
                sealed.body = SealedBody.seal(m.body, requestID: requestID, eventID: eventID, key: dataKey ?? AESGCM.randomBytes(AESGCM.keySize))
                return sealed
            }
            for hook in outboxHooks { outbox += hook(context) }
            newEvents.append(newEvent)
            sequence += 1
        }
        busy.insert(requestID)
        let outboxWritten = !outbox.isEmpty || !outboxUpdates.isEmpty
        let submittedFresh = cases[requestID] == nil
        var batch = WriteBatch(events: newEvents, outbox: outbox, outboxUpdates: outboxUpdates,
                               snapshots: base.map { [$0.snapshot] } ?? [],
                               replacedSnapshots: cases[requestID].map { [$0.snapshot] } ?? [])
        batch.dataKeys = dataKeys
        batch.erasedRequests = erased
        if fenced { batch.leaderSession = leaderSession }
        store.append(batch) { [self] result in
            queue.async { [self] in
                switch result {
                case .success(.stored(let stored)):
                    for (i, s) in stored.enumerated() { land(events[i].0, stored: s) }
                    metrics.increment("contactpoint_events_appended_total", by: Double(stored.count))
                    reschedule(requestID)
                    finish(requestID)
                    if outboxWritten { onDurable?() }
                    done(.success(stored), false)
                case .success(.duplicate):
                    finish(requestID)
                    done(.success([]), true)
                case .failure(let error):
                    log.error("store append failed", metadata: ["request": "\(requestID)", "error": "\(error)"])
                    if submittedFresh { cases[requestID] = nil }
                    finish(requestID)
                    done(.failure(.storage(error)), false)
                }
            }
        }
    }

    /// Applies one durable event to memory: the record, the state counts, the alerts.
    func land(_ event: CaseEvent, stored: StoredEvent) {
        dispatchPrecondition(condition: .onQueue(queue))
        let id = stored.event.requestID
        let before = cases[id]?.state
        if case .submitted(let request) = event {
            cases[id] = CaseRecord(request, submittedAt: stored.event.at)
            metrics.increment("contactpoint_submissions_total", [("kind", request.kind.rawValue), ("priority", request.priority.rawValue)])
        } else {
            do { try cases[id]!.apply(event, at: stored.event.at) } catch {
                // Checked before the append; reaching here means the log and memory disagree.
                log.critical("durable event does not apply", metadata: ["request": "\(id)", "error": "\(error)"])
                return
            }
        }
        let after = cases[id]!.state
        if before != after {
            if let before { stateCounts[before, default: 0] -= 1 }
            stateCounts[after, default: 0] += 1
            if (before?.isFinal ?? true) != after.isFinal { publishCounts() }
        }
        if let action = event.action { metrics.increment("contactpoint_actions_total", [("action", action.rawValue)]) }
        switch event {
        case .escalated(let e):
            metrics.increment("contactpoint_escalations_total", [("deadline", e.deadline.rawValue), ("level", "\(e.level)")])
        case .reminded:
            metrics.increment("contactpoint_reminders_total")
        case .expired:
            metrics.increment("contactpoint_expired_total")
        case .contentErased(let why, _):
            metrics.increment("contactpoint_content_erased_total", [("why", why)])
            log.notice("request content erased: its data keys are destroyed", metadata: ["request": "\(id)", "why": "\(why)", "by": "\(stored.event.actor)"])
        default:
            break
        }
        if let alert = alert(for: stored, event) {
            alerts.publish(alert)
            metrics.increment("contactpoint_alerts_published_total", [("kind", alert.reason.kind)])
            log.warning("\(alert.summary)", metadata: ["alert": "\(alert.id)", "reason": "\(alert.reason)"])
        }
    }
}

extension Desk {
    /// The alert a recorded event raises (escalation, reminder, expiry), with its request as
    /// the Desk holds it now; nil for other events or an unknown request.
    func alert(for stored: StoredEvent, _ event: CaseEvent) -> Alert? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let record = cases[stored.event.requestID] else { return nil }
        let context = StoredEventContext(position: stored.position, eventID: stored.event.id, at: stored.event.at,
                                         event: event, record: record, policy: policy)
        return Alert.from(context, directory: directory)
    }
}

/// A shutdown waiting for the Desk to be idle: called once, with true when idle or false at its timeout.
final class DrainWaiter: Sendable {
    private let done: Mutex<(@Sendable (Bool) -> Void)?>
    init(_ done: @escaping @Sendable (Bool) -> Void) { self.done = Mutex(done) }
    func call(_ idle: Bool) {
        if let d = done.withLock({ d -> (@Sendable (Bool) -> Void)? in defer { d = nil }; return d }) { d(idle) }
    }
}

/// What an outbox hook sees of an event about to be recorded.
public struct OutboxContext: Sendable {
    public var event: CaseEvent
    public var stored: NewEvent
    /// The request's state before the event (nil for `submitted`).
    public var previous: CaseRecord?
    /// The request's state with the event applied.
    public var record: CaseRecord
    public var localCodes: Set<CountryCode>
    public var directory: Directory
    public var policy: DeadlinePolicy
}
