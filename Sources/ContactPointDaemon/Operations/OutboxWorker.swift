import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import HTTP1
import Logging
import Sealing
import TLSTransport

/// Delivers the outbox: requests and events to partner daemons, alerts to webhooks and
/// Alertmanagers. Every message was written in the same transaction as the event that
/// caused it; it goes out one at a time and in order per destination, so a partner sees
/// events in the order they happened. Receivers are idempotent by event id, so a retry
/// after a lost answer never duplicates.
///
/// What a failure means decides what happens next (`DeliveryOutcome`): a network error, a
/// 5xx, 408 or 429 is retried with exponential backoff and jitter; any other 4xx is a
/// refusal that no retry will change, so the message is **parked** — out of the line, so
/// the destination's other messages go on — with its reason, shown in `/healthz`,
/// `/metrics` and `GET /v1/outbox`, until a supervisor retries or drops it. A parked
/// request to a partner escalates its deliver deadline at once.
///
/// Time comes from the daemon's one clock and jitter from injected randomness.
final class OutboxWorker: @unchecked Sendable {  // all mutable state is owned by `queue`
    let queue = DispatchQueue(label: "contactpoint.outbox")
    let store: EventStore
    let desk: Desk
    let config: DaemonConfiguration
    let settings: Settings
    let metrics: Metrics
    let log: Logger
    let clock: Clock
    let randomness: Randomness
    let receivers: [String: AlertReceiver]
    var secrets: [String: [UInt8]] = [:]
    /// The daemon's certificate and trust for outbound connections; replaced by `reloadTLS`.
    var tls: TLSConfiguration
    var clients: [String: HTTPSClient] = [:]
    var inFlight: Set<String> = []
    /// For a partner that runs a pair (`daemon: {urls: [...]}`): which of its addresses is
    /// tried now, and how many in a row could not be reached (queue).
    var partnerTurn: [String: Int] = [:]
    var unreachableInRow: [String: Int] = [:]
    /// Each partner's clock minus ours, in seconds, from its last receipt (queue).
    var clockOffsets: [String: Double] = [:]
    var timer: DispatchSourceTimer?
    var running = false
    /// Called after a delivery to a partner daemon succeeds (its code): a reachable partner
    /// is asked to cosign the latest checkpoint. Set once, before `start()`.
    var onPartnerDelivery: (@Sendable (String) -> Void)?

    /// The first retry waits about this long; each failure doubles it, up to `maximumBackoff`.
    static let initialBackoff: Int64 = 1_000  // ms
    static let maximumBackoff: Int64 = 300_000  // ms

    init(store: EventStore, desk: Desk, configuration: DaemonConfiguration, settings: Settings, metrics: Metrics, log: Logger,
         clock: Clock, randomness: Randomness) throws {
        self.store = store
        self.desk = desk
        config = configuration
        tls = configuration.tls
        self.settings = settings
        self.metrics = metrics
        self.log = log
        self.clock = clock
        self.randomness = randomness
        receivers = Dictionary(uniqueKeysWithValues: configuration.receivers.map { ($0.name, $0) })
        for r in configuration.receivers {
            if let file = r.hmacSecretFile {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw TLSError(file: file, "cannot read hmac_secret_file \(file) of alert receiver \(r.name)")
                }
                let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                secrets[r.name] = Array(key.utf8)
            }
        }
    }

    func start() {
        queue.async { [self] in
            timer?.cancel()
            running = true
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.round() }
            t.resume()
            timer = t
            round()
        }
    }

    func stop() {
        queue.sync {
            running = false
            timer?.cancel()
            timer = nil
            clients.values.forEach { $0.close() }
        }
    }

    /// Something new is in the outbox, or time moved: look now.
    func wake() {
        queue.async { [self] in if running { round() } }
    }

    /// Uses `next` for connections made from now on (SIGHUP). Throws, keeping the old
    /// material, if the files do not make a client context. Open connections are closed
    /// once their delivery in flight ends (the next delivery reconnects with the new files).
    func reloadTLS(_ next: TLSConfiguration) throws {
        _ = try TLSContext.client(next)
        queue.sync {
            tls = next
            let old = clients
            clients = [:]
            for client in old.values { client.close() }
        }
    }

    /// Sends the first due message of every destination that has none in flight, then
    /// arms the timer for the next attempt.
    func round() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard running else { return }
        let now = clock.now()
        let due = (try? store.dueOutbox(at: now, limit: 500)) ?? []
        var started = Set<String>()
        for entry in due {
            let destination = entry.message.destination
            // Strict order per destination: only its oldest message may go, and one at a time.
            guard !inFlight.contains(destination), started.insert(destination).inserted else { continue }
            inFlight.insert(destination)
            send(entry)
        }
        // When the next attempt is due is decided on the daemon's clock, so the timer is a
        // wall-clock one, like the Desk's (a monotonic timer would also never fire under
        // libfaketime); it wakes at least once a minute to look again.
        let next = (try? store.earliestOutboxAttempt()) ?? nil
        let delay = next.map { max(50, min($0.milliseconds(since: clock.now()), 60_000)) } ?? 60_000
        timer?.schedule(wallDeadline: .now() + .milliseconds(Int(delay)))
    }

    private func send(_ sealedEntry: OutboxEntry) {
        dispatchPrecondition(condition: .onQueue(queue))
        var entry = sealedEntry
        switch open(entry.message) {
        case .opened(let body): entry.message.body = body
        case .erased: return dropErased(entry)
        case .unreadable(let why): return failed(entry, .unsendable(why))
        }
        let opened = entry
        let m = entry.message
        let target: (client: HTTPSClient, path: String, headers: HTTPHeaders)
        do {
            target = try route(m, createdAt: entry.createdAt)
        } catch {
            return failed(entry, .unsendable("\(error)"))
        }
        let sentAt = clock.now()
        target.client.send(method: "POST", path: target.path, headers: target.headers, body: m.body) { [self] result in
            queue.async { [self] in
                let outcome = DeliveryOutcome(result)
                switch outcome {
                case .delivered:
                    unreachableInRow[m.destination] = nil
                    if m.kind == OutboundKind.partnerRequest, case .success(let response) = result {
                        measureClock(of: m.destination, sentAt: sentAt, answer: response.body)
                    }
                    delivered(opened)
                default:
                    // A partner's daemon that cannot be reached at all: its other daemon, at once,
                    // until each address was tried; then the usual backoff.
                    var now = false
                    if case .failure(.connect) = result, let count = partnerURLs(m.destination)?.count, count > 1 {
                        partnerTurn[m.destination, default: 0] += 1
                        let misses = unreachableInRow[m.destination, default: 0] + 1
                        unreachableInRow[m.destination] = misses
                        now = misses % count != 0
                    }
                    failed(opened, outcome, retryNow: now)
                }
            }
        }
    }

    /// What a stored message becomes when it is about to be sent.
    enum Opening {
        /// The body to send.
        case opened([UInt8])
        /// A request whose content was erased before it could be delivered: it is never sent.
        case erased
        /// The store could not be read, or the data key not unwrapped: try again later.
        case unreadable(String)
    }

    /// Opens what waits sealed (docs/privacy.md §2): a request under its event's data key; an
    /// action's event with its payload as stored. An event whose request was erased meanwhile
    /// goes with its clear part only (the state change still reaches the partner).
    func open(_ m: OutboxMessage) -> Opening {
        func key(_ requestID: String, _ eventID: String) throws(StoreError) -> [UInt8]?? {
            guard let wrapped = try store.dataKey(requestID: requestID, eventID: eventID) else { return .some(nil) }
            guard let key = desk.vault.unwrap(wrapped) else { return nil }
            return .some(key)
        }
        if let sealed = SealedBody(m.body) {
            do {
                switch try key(sealed.requestID, sealed.eventID) {
                case .none: return .unreadable("cannot unwrap the data key of event \(sealed.eventID) with the master keys in force")
                case .some(.none): return .erased
                case .some(.some(let k)):
                    guard let body = sealed.open(key: k) else { return .unreadable("the sealed message of event \(sealed.eventID) does not open") }
                    return .opened(body)
                }
            } catch {
                return .unreadable("cannot read the data key: \(error)")
            }
        }
        guard m.kind == OutboundKind.partnerEvent, var o = (try? JSONParser.parse(m.body))?.objectValue,
              let type = o["type"]?.stringValue, let payload = o["payload"], SealedContent.isSealed(payload, type: type),
              let requestID = o["request_id"]?.stringValue, let eventID = o["id"]?.stringValue
        else { return .opened(m.body) }
        do {
            switch try key(requestID, eventID) {
            case .none: return .unreadable("cannot unwrap the data key of event \(eventID) with the master keys in force")
            case .some(.none): o["payload"] = SealedContent.placeholder(payload, type: type)
            case .some(.some(let k)):
                guard let opened = SealedContent.open(payload, type: type, requestID: requestID, key: k) else {
                    return .unreadable("the sealed payload of event \(eventID) does not open")
                }
                o["payload"] = SealedContent.strippingSealed(opened, type: type)
            }
        } catch {
            return .unreadable("cannot read the data key: \(error)")
        }
        return .opened(JSONValue.object(o).serialized())
    }

    /// A message whose content was erased before it could be delivered: never sent.
    private func dropErased(_ entry: OutboxEntry) {
        dispatchPrecondition(condition: .onQueue(queue))
        log.notice("outbox: message dropped, its request's content was erased before delivery",
                   metadata: ["id": "\(entry.id)", "destination": "\(entry.message.destination)"])
        let now = clock.now(), why = "the request's content was erased before delivery"
        store.append(WriteBatch(outboxUpdates: [.parked(id: entry.id, error: why, at: now),
                                                .dropped(id: entry.id, at: now, by: "pocd", reason: why)])) { [self] _ in
            queue.async { [self] in
                inFlight.remove(entry.message.destination)
                round()
            }
        }
    }

    /// The client, path and headers for a message.
    private func route(_ m: OutboxMessage, createdAt: Instant) throws -> (HTTPSClient, String, HTTPHeaders) {
        dispatchPrecondition(condition: .onQueue(queue))
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        switch m.kind {
        case OutboundKind.partnerRequest, OutboundKind.partnerEvent:
            guard let code = CountryCode(m.destination), let cp = settings.directory.contactPoints[code],
                  case .partner(let urls, let identity) = cp.host, !urls.isEmpty
            else { throw TLSError("no partner daemon for \(m.destination) in the directory") }
            let url = urls[partnerTurn[m.destination, default: 0] % urls.count]
            let client = try client(for: url, ca: tls.trustedCAFile, identity: identity)
            if m.kind == OutboundKind.partnerRequest {
                // The outbox row is written in the transaction that stores the request: its time is the submit time.
                headers.add(name: Self.submittedAtHeader, value: createdAt.rfc3339)
                return (client, "/v1/requests", headers)
            }
            let body = try? JSONParser.parse(m.body)
            guard let requestID = body?["request_id"]?.stringValue else {
                throw TLSError("partner event without a request id")
            }
            return (client, "/v1/requests/\(requestID)/events", headers)
        case OutboundKind.webhook, OutboundKind.alertmanager:
            let name = m.destination
            guard let r = receivers[name] else { throw TLSError("no alert receiver \(name) in \(config.file)") }
            let (base, path) = Self.split(r.url)
            let client = try client(for: base, ca: r.caFile ?? tls.trustedCAFile, identity: nil)
            if let secret = secrets[name] {
                headers.add(name: "X-ContactPoint-Signature", value: "sha256=" + SHA256.hmacHex(key: secret, message: m.body))
            }
            if let id = m.eventID { headers.add(name: "X-ContactPoint-Event-ID", value: id) }
            return (client, r.kind == .alertmanager ? path.trimmingSuffix("/") + "/api/v2/alerts" : (path.isEmpty ? "/" : path), headers)
        default:
            throw TLSError("unknown outbox message kind \(m.kind)")
        }
    }

    private func client(for url: String, ca: String, identity: String?) throws -> HTTPSClient {
        dispatchPrecondition(condition: .onQueue(queue))
        let key = "\(url)|\(ca)|\(identity ?? "")"
        if let c = clients[key] { return c }
        var t = tls
        t.trustedCAFile = ca
        let c = try HTTPSClient(baseURL: url, tls: t, expectedServerIdentity: identity, timeout: 15)
        clients[key] = c
        return c
    }

    /// `https://host:port/path` → (`https://host:port`, `/path`).
    static func split(_ url: String) -> (String, String) {
        let rest = url.dropFirst("https://".count)
        guard let slash = rest.firstIndex(of: "/") else { return (url, "") }
        return ("https://" + rest[..<slash], String(rest[slash...]))
    }

    private func delivered(_ entry: OutboxEntry) {
        dispatchPrecondition(condition: .onQueue(queue))
        count(entry, outcome: "delivered")
        if entry.message.kind == OutboundKind.partnerRequest || entry.message.kind == OutboundKind.partnerEvent {
            onPartnerDelivery?(entry.message.destination)
        }
        let finish: @Sendable (Bool) -> Void = { [self] ok in
            queue.async { [self] in
                inFlight.remove(entry.message.destination)
                if !ok { log.error("outbox: delivered but not recorded; will resend (the receiver deduplicates)", metadata: ["id": "\(entry.id)"]) }
                round()
            }
        }
        if entry.message.kind == OutboundKind.partnerRequest, let requestID = entry.message.requestIDFromBody {
            desk.recordReceipt(requestID, by: partnerIdentity(entry.message.destination), outboxID: entry.id, done: finish)
        } else {
            store.append(WriteBatch(outboxUpdates: [.delivered(id: entry.id, at: clock.now())])) { r in
                if case .success = r { finish(true) } else { finish(false) }
            }
        }
    }

    /// The certificate identity of the partner daemon hosting `code` (its receipts' actor).
    private func partnerIdentity(_ code: String) -> String {
        guard let c = CountryCode(code), let cp = settings.directory.contactPoints[c], case .partner(_, let id) = cp.host else { return code }
        return id
    }

    /// The addresses of the partner daemon that hosts `destination`, if it is a partner.
    func partnerURLs(_ destination: String) -> [String]? {
        guard let code = CountryCode(destination), let cp = settings.directory.contactPoints[code],
              case .partner(let urls, _) = cp.host else { return nil }
        return urls
    }

    private func failed(_ entry: OutboxEntry, _ outcome: DeliveryOutcome, retryNow: Bool = false) {
        dispatchPrecondition(condition: .onQueue(queue))
        let m = entry.message
        let update: OutboxUpdate
        switch outcome {
        case .refused(let reason):
            count(entry, outcome: "refused")
            update = .parked(id: entry.id, error: String(reason.prefix(500)), at: clock.now())
            log.error("outbox: refused for good by the receiver; parked until a supervisor retries or drops it (poc outbox)", metadata: [
                "id": "\(entry.id)", "kind": "\(m.kind)", "destination": "\(m.destination)", "reason": "\(reason)",
            ])
        case .unsendable(let reason):
            count(entry, outcome: "unsendable")
            update = .parked(id: entry.id, error: String(("not sent: " + reason).prefix(500)), at: clock.now())
            log.error("outbox: this daemon cannot send the message (an operator must fix it); parked, out of the destination's line, until a supervisor retries or drops it (poc outbox)", metadata: [
                "id": "\(entry.id)", "kind": "\(m.kind)", "destination": "\(m.destination)", "reason": "\(reason)",
            ])
        case .retry(let reason):
            count(entry, outcome: "failed")
            let backoff = retryNow ? 0 : backoff(attempts: entry.attempts)
            update = .failed(id: entry.id, error: String(reason.prefix(500)), retryAt: Instant(millisecondsSince1970: clock.now().millisecondsSince1970 + backoff))
            log.warning("outbox delivery failed; will retry", metadata: [
                "kind": "\(m.kind)", "destination": "\(m.destination)", "attempt": "\(entry.attempts + 1)",
                "retry_in_ms": "\(backoff)", "reason": "\(reason)",
            ])
        case .delivered:
            preconditionFailure("a delivery is not a failure")
        }
        store.append(WriteBatch(outboxUpdates: [update])) { [self] result in
            queue.async { [self] in
                inFlight.remove(m.destination)
                if case .parked = update, case .success = result,
                   m.kind == OutboundKind.partnerRequest, let requestID = m.requestIDFromBody, case .refused(let reason) = outcome {
                    desk.deliveryRefused(requestID, destination: m.destination, reason: reason)
                }
                round()
            }
        }
    }

    private func count(_ entry: OutboxEntry, outcome: String) {
        metrics.increment("contactpoint_outbox_deliveries_total", [("kind", entry.message.kind), ("outcome", outcome)])
        if entry.message.kind == OutboundKind.webhook || entry.message.kind == OutboundKind.alertmanager {
            metrics.increment("contactpoint_alert_deliveries_total", [("receiver", entry.message.destination), ("outcome", outcome)])
        }
    }

    /// Exponential backoff with jitter: about 1 s, 2 s, 4 s ... up to 5 minutes, each
    /// drawn between half and all of that, so many messages failing together spread out.
    func backoff(attempts: Int) -> Int64 {
        Self.backoff(attempts: attempts, randomness: randomness)
    }

    static func backoff(attempts: Int, randomness: Randomness) -> Int64 {
        let ceiling = min(maximumBackoff, initialBackoff << min(attempts, 20))
        return randomness.int(in: (ceiling / 2)...ceiling)
    }

    /// Outbox gauges for /metrics are in Daemon.storeGauges; this adds in-flight destinations.
    func gauges() -> [Metrics.Gauge] {
        let (n, offsets) = queue.sync { (inFlight.count, clockOffsets) }
        return [
            Metrics.Gauge("contactpoint_outbox_in_flight", help: "Destinations with a delivery in flight", [([], Double(n))]),
            Self.clockOffsetGauge(offsets),
        ]
    }
}

extension OutboxMessage {
    /// The request id of a partner-request message (its body is the request).
    var requestIDFromBody: String? {
        if let sealed = SealedBody(body) { return sealed.requestID }
        return (try? JSONParser.parse(body))?["id"]?.stringValue
    }

    /// The request a partner message concerns (nil for alerts).
    var requestID: String? {
        guard kind == OutboundKind.partnerRequest || kind == OutboundKind.partnerEvent,
              let body = try? JSONParser.parse(body) else { return nil }
        if let sealed = SealedBody(self.body) { return sealed.requestID }
        return (kind == OutboundKind.partnerRequest ? body["id"] : body["request_id"])?.stringValue
    }
}

extension OutboxWorker {
    /// Messages waiting or parked (all not delivered nor dropped when `state` is nil), read
    /// off the worker's and the Desk's queues.
    func entries(state: String?, limit: Int, reply: @escaping @Sendable (Result<[OutboxEntry], StoreError>) -> Void) {
        DispatchQueue.global().async { [store] in
            reply(Result { () throws(StoreError) -> [OutboxEntry] in try store.outboxEntries(state: state, limit: limit) })
        }
    }

    /// A supervisor sends a parked message again now (`retry`), or gives it up (`drop`).
    /// Answers 404 for no such message and 409 for one that is not parked.
    func resolve(_ id: Int64, retry: Bool, by identity: String, reason: String,
                 reply: @escaping @Sendable (Result<OutboxEntry, Problem>) -> Void) {
        queue.async { [self] in
            let entry: OutboxEntry?
            do { entry = try store.outboxEntry(id: id) } catch { return reply(.failure(.storage("\(error)"))) }
            guard let entry else { return reply(.failure(.notFound("no outbox message \(id)"))) }
            guard entry.state == "parked" else {
                return reply(.failure(.conflict("outbox message \(id) is \(entry.state), not parked: only a parked message can be \(retry ? "retried" : "dropped")",
                                                field: "id")))
            }
            let now = clock.now()
            let update: OutboxUpdate = retry ? .retried(id: id, at: now, by: identity, reason: reason)
                                             : .dropped(id: id, at: now, by: identity, reason: reason)
            store.append(WriteBatch(outboxUpdates: [update])) { [self] result in
                queue.async { [self] in
                    switch result {
                    case .success:
                        log.notice("outbox: parked message \(retry ? "sent again" : "dropped") by a supervisor", metadata: [
                            "id": "\(id)", "destination": "\(entry.message.destination)", "kind": "\(entry.message.kind)",
                            "by": "\(identity)", "reason": "\(reason)",
                        ])
                        let after = (try? store.outboxEntry(id: id)) ?? nil
                        reply(.success(after ?? entry))
                        round()
                    case .failure(let error):
                        reply(.failure(.conflict(error.message, field: "id")))
                    }
                }
            }
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
