import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import HTTP1
import Logging
import TLSTransport

/// Lets the router's gauges reach the server it is the handler of (set once, after both exist).
final class ServerBox: @unchecked Sendable {  // written once during Daemon.init, before any request
    var server: HTTPServer?
}

/// One running `pocd`: the store, the Desk, the HTTPS server, the outbox worker and the
/// signal handlers, wired together. `start()` returns once it serves; `stop()` drains.
public final class Daemon: @unchecked Sendable {  // `configuration` and `stopping` are touched only on `control`
    public private(set) var configuration: ConfigurationSet
    let store: EventStore
    public let desk: Desk
    let server: HTTPServer
    let alerts: AlertHub
    let metrics: Metrics
    let directoryBox: DirectoryBox
    let outbox: OutboxWorker
    let log: Logger
    let control = DispatchQueue(label: "contactpoint.control")
    var signalSources: [DispatchSourceSignal] = []
    var stopping = false

    /// Opens the store, replays it, and prepares the server (not yet listening).
    /// Throws a one-line reason: a bad key, an unreadable data directory.
    public init(configuration: ConfigurationSet, log: Logger) throws {
        self.configuration = configuration
        self.log = log
        var d = configuration.daemon
        d.limits.maxConnections = Self.fitOpenFileLimit(connections: d.limits.maxConnections, log: log)
        let identity = try PeerIdentity(certificateFile: d.tls.certificateFile).commonName
        store = try EventStore(directory: d.dataDirectory)
        alerts = AlertHub()
        metrics = Metrics()
        directoryBox = DirectoryBox(configuration.directory)
        desk = Desk(store: store, policy: configuration.policy, directory: configuration.directory, alerts: alerts,
                    metrics: metrics, selfIdentity: identity, log: log)
        outbox = try OutboxWorker(store: store, desk: desk, configuration: d, directory: directoryBox, metrics: metrics, log: log)
        desk.outboxHooks.append(contentsOf: outbox.alertHooks())
        let connections = ServerBox()
        let router = Router(desk: desk, alerts: alerts, metrics: metrics, directory: directoryBox,
                            metricsIdentities: d.metricsIdentities, log: log,
                            extraGauges: { [store, outbox, connections] in
                                Daemon.storeGauges(store) + outbox.gauges() + Daemon.connectionGauges(connections.server?.statistics)
                            })
        let serverLog = log
        server = try HTTPServer(host: d.host, port: d.port, tls: d.tls, limits: d.limits,
                                log: { serverLog.notice("\($0)") }, handler: router.handle)
        connections.server = server
    }

    /// Replays the log, starts listening and delivering. Throws a one-line reason (port in use).
    public func start() throws {
        let started = Date()
        let (requests, events, fromProjection) = try desk.replay()
        log.info("replayed the event log", metadata: ["requests": "\(requests)", "events": "\(events)",
                                                     "source": "\(fromProjection ? "projection" : "events")",
                                                     "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
        desk.onDurable = { [outbox] in outbox.wake() }  // before the first request can commit
        outbox.start()
        try server.start()
        log.info("pocd serving", metadata: [
            "contact_points": "\(configuration.daemon.contactPoints.map(\.code).joined(separator: ","))",
            "listen": "\(configuration.daemon.host):\(server.port)", "data_dir": "\(configuration.daemon.dataDirectory)",
        ])
    }

    /// The port the server listens on (useful when the config says 0).
    public var port: Int { server.port }

    /// SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the directory, the policy and the TLS files.
    public func installSignalHandlers() {
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: control)
            // Strong on purpose: the daemon lives as long as the process, and an optimised
            // build may otherwise release it once dispatchMain() is reached.
            source.setEventHandler { [self] in
                if sig == SIGHUP { reload() } else { stop(exit: true) }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Reloads the directory and the policy; a bad file keeps the old ones and logs why.
    public func reload() {
        control.async { [self] in
            do {
                let next = try configuration.reloaded()
                try server.reloadTLS(next.daemon.tls)
                configuration = next
                directoryBox.replace(next.directory)
                desk.reload(policy: next.policy, directory: next.directory)
                log.notice("reloaded directory, policy and TLS files")
            } catch {
                log.error("reload refused, keeping the running configuration: \(String(describing: error).replacingOccurrences(of: "\n", with: "; "))")
            }
        }
    }

    /// Stops accepting, lets requests in flight finish, flushes, and (if asked) exits 0.
    public func stop(exit shouldExit: Bool) {
        control.async { [self] in
            guard !stopping else { return }
            stopping = true
            log.notice("stopping: no new connections; finishing requests in flight")
            server.stopAccepting()
            alerts.closeAll()
            server.shutdown(timeout: 10) { [self] in
                _ = desk.drain(timeout: 10)
                outbox.stop()
                desk.stop()
                store.close()
                log.notice("stopped")
                if shouldExit { Foundation.exit(0) }
            }
        }
    }

    /// Raises the soft open-file limit towards the hard one so `connections` fit (each uses a
    /// descriptor, plus the store's and the listener's); if they cannot, serves as many as fit.
    static func fitOpenFileLimit(connections: Int, log: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return connections }
        let needed = rlim_t(connections + 128)
        if limit.rlim_cur < needed {
            limit.rlim_cur = min(needed, limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let fits = Int(limit.rlim_cur) - 128
        guard fits < connections else { return connections }
        log.warning("open-file limit \(limit.rlim_cur) allows only \(max(fits, 16)) connections (max_connections is \(connections)); raise LimitNOFILE")
        return max(fits, 16)
    }

    /// The HTTPS server's connection counters (the hostile-client figures, live).
    static func connectionGauges(_ s: HTTPServerStatistics?) -> [Metrics.Gauge] {
        guard let s else { return [] }
        return [
            Metrics.Gauge("contactpoint_connections_open", help: "TLS connections open now", [([], Double(s.openConnections))]),
            Metrics.Gauge("contactpoint_connections_accepted", help: "Connections accepted since start", [([], Double(s.acceptedTotal))]),
            Metrics.Gauge("contactpoint_connections_refused_over_limit", help: "Connections closed at once because max_connections were open",
                          [([], Double(s.rejectedOverLimit))]),
            Metrics.Gauge("contactpoint_tls_handshake_failures", help: "Handshakes that failed (certificate refused, not TLS, timeout)",
                          [([], Double(s.handshakeFailures))]),
            Metrics.Gauge("contactpoint_http_protocol_errors", help: "Error answers the HTTP layer gave itself (400, 408, 413, 431, ...)",
                          [([], Double(s.protocolErrors))]),
            Metrics.Gauge("contactpoint_http_timeouts", help: "Header, body, idle and write timeouts that closed a connection",
                          [([], Double(s.timeouts))]),
        ]
    }

    static func storeGauges(_ store: EventStore) -> [Metrics.Gauge] {
        let s = store.statistics
        let outbox = try? store.outboxSummary()
        let age = outbox?.oldest.map { Double(max(0, Instant.now().milliseconds(since: $0))) / 1000 } ?? 0
        return [
            Metrics.Gauge("contactpoint_store_commits", help: "Group commits since start (each one fsync)", [([], Double(s.commits))]),
            Metrics.Gauge("contactpoint_store_batches", help: "Batches committed since start", [([], Double(s.batches))]),
            Metrics.Gauge("contactpoint_outbox_depth", help: "Outbound messages not yet accepted", [([], Double(outbox?.depth ?? 0))]),
            Metrics.Gauge("contactpoint_outbox_oldest_age_seconds", help: "Age of the oldest undelivered outbound message", [([], age)]),
        ]
    }
}
