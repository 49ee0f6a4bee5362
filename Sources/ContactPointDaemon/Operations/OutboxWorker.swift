import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import HTTP1
import Logging
import TLSTransport

/// Delivers the outbox: requests and events to partner daemons, alerts to webhooks and
/// Alertmanagers. Every message was written in the same transaction as the event that
/// caused it; it is retried with exponential backoff and jitter until the receiver
/// accepts it, one at a time and in order per destination, so a partner sees events in
/// the order they happened. Receivers are idempotent by event id, so a retry after a lost
/// answer never duplicates.
final class OutboxWorker: @unchecked Sendable {  // all mutable state is owned by `queue`
    let queue = DispatchQueue(label: "contactpoint.outbox")
    let store: EventStore
    let desk: Desk
    let config: DaemonConfiguration
    let directory: DirectoryBox
    let metrics: Metrics
    let log: Logger
    let receivers: [String: AlertReceiver]
    var secrets: [String: [UInt8]] = [:]
    var clients: [String: HTTPSClient] = [:]
    var inFlight: Set<String> = []
    var timer: DispatchSourceTimer?
    var running = false

    /// The first retry waits about this long; each failure doubles it, up to `maximumBackoff`.
    static let initialBackoff: Int64 = 1_000  // ms
    static let maximumBackoff: Int64 = 300_000  // ms

    init(store: EventStore, desk: Desk, configuration: DaemonConfiguration, directory: DirectoryBox, metrics: Metrics, log: Logger) throws {
        self.store = store
        self.desk = desk
        config = configuration
        self.directory = directory
        self.metrics = metrics
        self.log = log
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

    /// Something new is in the outbox: look now.
    func wake() {
        queue.async { [self] in if running { round() } }
    }

    /// Sends the first due message of every destination that has none in flight, then
    /// arms the timer for the next attempt.
    private func round() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard running else { return }
        let now = Instant.now()
        let due = (try? store.dueOutbox(at: now, limit: 500)) ?? []
        var started = Set<String>()
        for entry in due {
            let destination = entry.message.destination
            // Strict order per destination: only its oldest message may go, and one at a time.
            guard !inFlight.contains(destination), started.insert(destination).inserted else { continue }
            inFlight.insert(destination)
            send(entry)
        }
        let next = (try? store.earliestOutboxAttempt()) ?? nil
        let delay = next.map { max(50, min($0.milliseconds(since: Instant.now()), 60_000)) } ?? 60_000
        timer?.schedule(deadline: .now() + .milliseconds(Int(delay)))
    }

    private func send(_ entry: OutboxEntry) {
        let m = entry.message
        let target: (client: HTTPSClient, path: String, headers: HTTPHeaders)
        do {
            target = try route(m)
        } catch {
            return failed(entry, "\(error)")
        }
        target.client.send(method: "POST", path: target.path, headers: target.headers, body: m.body) { [self] result in
            queue.async { [self] in
                switch result {
                case .success(let response) where (200..<300).contains(response.status):
                    delivered(entry, response)
                case .success(let response):
                    let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
                    failed(entry, "HTTP \(response.status): \(detail)")
                case .failure(let error):
                    failed(entry, error.description)
                }
            }
        }
    }

    /// The client, path and headers for a message.
    private func route(_ m: OutboxMessage) throws -> (HTTPSClient, String, HTTPHeaders) {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        switch m.kind {
        case OutboundKind.partnerRequest, OutboundKind.partnerEvent:
            guard let code = CountryCode(m.destination), let cp = directory.current.contactPoints[code],
                  case .partner(let url, let identity) = cp.host
            else { throw TLSError("no partner daemon for \(m.destination) in the directory") }
            let client = try client(for: url, ca: config.tls.trustedCAFile, identity: identity)
            if m.kind == OutboundKind.partnerRequest { return (client, "/v1/requests", headers) }
            let body = try? JSONParser.parse(m.body)
            guard let requestID = body?["request_id"]?.stringValue else {
                throw TLSError("partner event without a request id")
            }
            return (client, "/v1/requests/\(requestID)/events", headers)
        case OutboundKind.webhook, OutboundKind.alertmanager:
            let name = m.destination
            guard let r = receivers[name] else { throw TLSError("no alert receiver \(name) in \(config.file)") }
            let (base, path) = Self.split(r.url)
            let client = try client(for: base, ca: r.caFile ?? config.tls.trustedCAFile, identity: nil)
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
        let key = "\(url)|\(ca)|\(identity ?? "")"
        if let c = clients[key] { return c }
        var tls = config.tls
        tls.trustedCAFile = ca
        let c = try HTTPSClient(baseURL: url, tls: tls, expectedServerIdentity: identity, timeout: 15)
        clients[key] = c
        return c
    }

    /// `https://host:port/path` → (`https://host:port`, `/path`).
    static func split(_ url: String) -> (String, String) {
        let rest = url.dropFirst("https://".count)
        guard let slash = rest.firstIndex(of: "/") else { return (url, "") }
        return ("https://" + rest[..<slash], String(rest[slash...]))
    }

    private func delivered(_ entry: OutboxEntry, _ response: HTTPClientResponse) {
        dispatchPrecondition(condition: .onQueue(queue))
        metrics.increment("contactpoint_outbox_deliveries_total", [("kind", entry.message.kind), ("outcome", "delivered")])
        if entry.message.kind == OutboundKind.webhook || entry.message.kind == OutboundKind.alertmanager {
            metrics.increment("contactpoint_alert_deliveries_total", [("receiver", entry.message.destination), ("outcome", "delivered")])
        }
        let finish: @Sendable (Bool) -> Void = { [self] ok in
            queue.async { [self] in
                inFlight.remove(entry.message.destination)
                if !ok { log.error("outbox: delivered but not recorded; will resend (the receiver deduplicates)", metadata: ["id": "\(entry.id)"]) }
                round()
            }
        }
        if entry.message.kind == OutboundKind.partnerRequest, let requestID = entry.message.requestIDFromBody {
            let identity = directory.current.contactPoints[CountryCode(entry.message.destination)!].flatMap { cp -> String? in
                if case .partner(_, let id) = cp.host { return id } else { return nil }
            } ?? entry.message.destination
            desk.recordReceipt(requestID, by: identity, outboxID: entry.id, done: finish)
        } else {
            store.append(WriteBatch(outboxUpdates: [.delivered(id: entry.id, at: .now())])) { r in
                if case .success = r { finish(true) } else { finish(false) }
            }
        }
    }

    private func failed(_ entry: OutboxEntry, _ reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        metrics.increment("contactpoint_outbox_deliveries_total", [("kind", entry.message.kind), ("outcome", "failed")])
        if entry.message.kind == OutboundKind.webhook || entry.message.kind == OutboundKind.alertmanager {
            metrics.increment("contactpoint_alert_deliveries_total", [("receiver", entry.message.destination), ("outcome", "failed")])
        }
        let backoff = Self.backoff(attempts: entry.attempts)
        let at = Instant(millisecondsSince1970: Instant.now().millisecondsSince1970 + backoff)
        log.warning("outbox delivery failed; will retry", metadata: [
            "kind": "\(entry.message.kind)", "destination": "\(entry.message.destination)", "attempt": "\(entry.attempts + 1)",
            "retry_in_ms": "\(backoff)", "reason": "\(reason)",
        ])
        store.append(WriteBatch(outboxUpdates: [.failed(id: entry.id, error: String(reason.prefix(500)), retryAt: at)])) { [self] _ in
            queue.async { [self] in
                inFlight.remove(entry.message.destination)
                round()
            }
        }
    }

    /// Exponential backoff with jitter: about 1 s, 2 s, 4 s ... up to 5 minutes, each
    /// drawn between half and all of that, so many messages failing together spread out.
    static func backoff(attempts: Int) -> Int64 {
        let ceiling = min(maximumBackoff, initialBackoff << min(attempts, 20))
        return Int64.random(in: (ceiling / 2)...ceiling)
    }

    /// Outbox gauges for /metrics are in Daemon.storeGauges; this adds in-flight destinations.
    func gauges() -> [Metrics.Gauge] {
        let n = queue.sync { inFlight.count }
        return [Metrics.Gauge("contactpoint_outbox_in_flight", help: "Destinations with a delivery in flight", [([], Double(n))])]
    }
}

extension OutboxMessage {
    /// The request id of a partner-request message (its body is the request).
    var requestIDFromBody: String? {
        (try? JSONParser.parse(body))?["id"]?.stringValue
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
