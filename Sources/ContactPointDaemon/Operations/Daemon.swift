import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import HTTP1
import Logging
import Sealing
import TLSTransport

/// Lets the router's gauges reach the server it is the handler of (set once, after both exist).
final class ServerBox: @unchecked Sendable {  // written once during Daemon.init, before any request
    var server: HTTPServer?
}

/// One running `pocd`: the store, the Desk, the HTTPS server, the outbox worker and the
/// signal handlers, wired together. `init` wires everything (nothing runs yet); `start()`
/// replays the log and then serves; `stop()` drains.
///
/// The daemon's control state — the configuration in force, whether it has started or is
/// stopping — belongs to the `control` queue: `start`, signal handlers, reloads and stops
/// all run there, one at a time, so a SIGHUP during a long replay waits for the replay.
public final class Daemon: @unchecked Sendable {  // `configuration`, `started`, `stopping` are touched only on `control`
    private var configuration: ConfigurationSet
    let store: EventStore
    public let desk: Desk
    let server: HTTPServer
    let alerts: AlertHub
    let metrics: Metrics
    let settings: Settings
    let outbox: OutboxWorker
    /// Checkpoints, cosignatures and witnessing (docs/audit.md).
    let audit: AuditService
    let log: Logger
    /// The one clock every part of this daemon decides time by.
    let clock: Clock
    /// The test clock, when `POCD_TEST_CLOCK_OFFSET_FILE` is set (never in production).
    let testClock: TestClock?
    let dataDirectory: DataDirectory
    /// Which daemon of a pair on one PostgreSQL leads; nil on SQLite, where this one always does.
    let leadership: Leadership?
    /// This daemon among those sharing its store: host name and process id.
    let instance: String
    let control = DispatchQueue(label: "contactpoint.control")
    var signalSources: [DispatchSourceSignal] = []
    var started = false
    var stopping = false

    /// Claims the data directory, opens the store and prepares the server (not yet
    /// listening), with every part wired to the others. Throws a one-line reason: a bad key,
    /// a data directory in use, an unreadable store.
    public init(configuration: ConfigurationSet, log: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.configuration = configuration
        self.log = log
        var d = configuration.daemon
        if let problem = SecretFile.problem(d.tls.privateKeyFile, what: "tls.private_key") { throw StartupError("\(d.file): \(problem)") }
        d.limits.maxConnections = Self.fitOpenFileLimit(connections: d.limits.maxConnections, log: log)
        testClock = try TestClock(environment: environment, log: log)
        clock = testClock?.clock.clock ?? .system
        let identity = try PeerIdentity(certificateFile: d.tls.certificateFile).commonName
        dataDirectory = try DataDirectory(claiming: d.dataDirectory, log: log)
        store = try d.store.open(clock: clock)
        try AuditService.checkNotTruncated(store)
        let vault = try Encryption.openVault(d.encryption, store: store, configFile: d.file, clock: clock, log: log)
        alerts = AlertHub()
        metrics = Metrics()
        settings = Settings(directory: configuration.directory, policy: configuration.policy)
        desk = Desk(store: store, settings: settings, vault: vault, alerts: alerts, metrics: metrics, selfIdentity: identity,
                    log: log, clock: clock)
        outbox = try OutboxWorker(store: store, desk: desk, configuration: d, settings: settings, metrics: metrics, log: log,
                                  clock: clock, randomness: .system)
        desk.wire(outboxHooks: outbox.alertHooks(), onDurable: { [outbox] in outbox.wake() }, logAlertHooks: outbox.logAlertHooks())
        audit = try AuditService(store: store, desk: desk, settings: settings, configuration: d, identity: identity, clock: clock, log: log)
        outbox.onPartnerDelivery = { [audit] code in audit.partnerReachable(code) }
        instance = "\(ProcessInfo.processInfo.hostName)/\(getpid())"
        if let pg = store.postgresql {
            desk.standBy()  // until the lock is taken: a standby serves, follows the log, fires nothing
            leadership = Leadership(settings: pg, instance: instance, log: log, onLead: { [desk, outbox, audit] pid in
                desk.lead(session: pid)
                outbox.start()
                audit.start()
            }, onStandBy: { [desk, outbox, audit] _ in
                desk.standBy()
                outbox.stop()
                audit.pause()
            })
        } else {
            leadership = nil
        }
        let role: @Sendable () -> (role: String, instance: String) = { [leadership, instance] in
            (leadership.map { $0.isLeader ? "leader" : "standby" } ?? "leader", instance)
        }
        let connections = ServerBox()
        let router = Router(desk: desk, alerts: alerts, metrics: metrics, settings: settings, outbox: outbox, audit: audit,
                            metricsIdentities: d.metricsIdentities, log: log, role: role,
                            extraGauges: { [store, outbox, connections, clock, leadership] in
                                Daemon.storeGauges(store, clock: clock) + outbox.gauges() + Daemon.connectionGauges(connections.server?.statistics)
                                    + Daemon.leadershipGauges(leadership)
                            })
        let serverLog = log
        server = try HTTPServer(host: d.host, port: d.port, tls: d.tls, limits: d.limits,
                                log: { serverLog.notice("\($0)") }, handler: router.handle)
        connections.server = server
    }

    /// Replays the log, starts listening and delivering. Throws a one-line reason (port in use).
    /// Runs on `control`, so signals that arrive meanwhile are handled once it has finished.
    public func start() throws {
        try control.sync { () throws in
            let began = Date()
            log.info("replaying the event log", metadata: ["data_dir": "\(configuration.daemon.dataDirectory)"])
            let replay = try desk.replay()
            log.info("replayed the event log", metadata: ["requests": "\(replay.requests)", "events": "\(replay.events)",
                                                         "source": "\(replay.source)",
                                                         "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(began)))"])
            // The port first: a daemon that cannot listen says so before any worker starts.
            try server.bind()
            if let leadership {
                desk.startFollowing(every: .milliseconds(250))
                leadership.start()
            } else {
                outbox.start()
                audit.start()
            }
            try server.start()
            started = true
            let d = configuration.daemon
            log.info("pocd serving", metadata: [
                "contact_points": "\(d.contactPoints.map(\.code).joined(separator: ","))",
                "listen": "\(d.host):\(server.port)", "data_dir": "\(d.dataDirectory)",
                "store": "\(store.backend)", "instance": "\(instance)",
            ])
        }
    }

    /// The port the server listens on (useful when the config says 0).
    public var port: Int { server.port }

    /// SIGTERM/SIGINT drain and exit 0; SIGHUP reloads pocd.yaml's TLS files, the directory
    /// and the policy; SIGUSR1 re-reads the test clock's offset (only when it is in use).
    public func installSignalHandlers() {
        var signals = [SIGTERM, SIGINT, SIGHUP]
        if testClock != nil { signals.append(SIGUSR1) }
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: control)
            // Strong on purpose: the daemon lives as long as the process, and an optimised
            // build may otherwise release it once the main thread is parked.
            source.setEventHandler { [self] in
                switch sig {
                case SIGHUP: reload()
                case SIGUSR1: readTestClock()
                default: stop(exit: true)
                }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Reloads pocd.yaml, then the TLS files, the directory and the policy it names; a bad
    /// file keeps everything running as it was and logs why. Logs what was put in force,
    /// once it is, and names the changed settings that need a restart.
    public func reload(done: (@Sendable (Bool) -> Void)? = nil) {
        control.async { [self] in
            let reload: ConfigurationSet.Reload
            do {
                reload = try configuration.reloaded()
                let tls = reload.configuration.daemon.tls
                if let problem = SecretFile.problem(tls.privateKeyFile, what: "tls.private_key") {
                    throw ConfigurationErrors([ConfigurationError(file: reload.configuration.daemon.file, key: "tls.private_key", reason: problem)])
                }
                try server.reloadTLS(tls)
                try outbox.reloadTLS(tls)
                audit.reloadTLS(tls)
            } catch {
                log.error("reload refused, keeping the running configuration: \(String(describing: error).replacingOccurrences(of: "\n", with: "; "))")
                done?(false)
                return
            }
            let previous = configuration.daemon
            configuration = reload.configuration
            let next = reload.configuration
            desk.reload(Settings.Version(directory: next.directory, policy: next.policy)) { [log] in
                let tls = next.daemon.tls
                log.notice("reloaded: TLS files in use for new connections, directory and policy in force", metadata: [
                    "certificate": "\(tls.certificateFile)", "client_ca": "\(tls.trustedCAFile)", "crl": "\(tls.crlFile ?? "none")",
                    "directory": "\(next.daemon.directoryFile)", "policy": "\(next.daemon.policyFile)",
                    "contact_points_in_directory": "\(next.directory.contactPoints.count)",
                ])
                if previous.tls.crlFile != nil && tls.crlFile == nil { log.warning("reload: no CRL any more (tls.crl removed)") }
                for change in reload.needsRestart {
                    log.warning("reload: changed in \(next.daemon.file) but not applied until a restart: \(change)")
                }
                done?(true)
            }
        }
    }

    /// Re-reads the test clock's offset file and, if time moved, lets the Desk and the
    /// outbox act on the new time at once.
    func readTestClock() {
        dispatchPrecondition(condition: .onQueue(control))
        guard let testClock else { return }
        do {
            if try testClock.reread() {
                desk.clockMoved()
                outbox.wake()
            }
        } catch {
            log.error("test clock: \(error)")
        }
    }

    /// Stops accepting, lets requests in flight finish, flushes, and (if asked) exits 0;
    /// otherwise `done` runs once everything is closed.
    public func stop(exit shouldExit: Bool, done: (@Sendable () -> Void)? = nil) {
        control.async { [self] in
            guard !stopping else { return }
            stopping = true
            log.notice("stopping: no new connections; finishing requests in flight")
            server.stopAccepting()
            alerts.closeAll()
            server.shutdown(timeout: 10) { [self] in
                desk.drain(timeout: 10) { [self] idle in
                    control.async { [self] in  // off the Desk's queue, which `desk.stop()` waits on
                        if !idle { log.warning("stopping with commands still in flight after 10 s") }
                        leadership?.stop()  // the lock given up: the other daemon of the pair leads at once
                        outbox.stop()
                        audit.stop { [self] in  // a last checkpoint of what was written
                            control.async { [self] in
                                desk.stop()
                                store.close()
                                log.notice("stopped")
                                if shouldExit { Foundation.exit(0) }
                                done?()
                            }
                        }
                    }
                }
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

    /// The HTTPS server's connection figures (the hostile-client figures, live): one gauge,
    /// the rest totals since start.
    static func connectionGauges(_ s: HTTPServerStatistics?) -> [Metrics.Gauge] {
        guard let s else { return [] }
        return [
            Metrics.Gauge("contactpoint_connections_open", help: "TLS connections open now", [([], Double(s.openConnections))]),
            Metrics.Gauge(counter: "contactpoint_connections_accepted_total", help: "Connections accepted since start", [([], Double(s.acceptedTotal))]),
            Metrics.Gauge(counter: "contactpoint_connections_refused_over_limit_total",
                          help: "Connections closed at once because max_connections were open", [([], Double(s.rejectedOverLimit))]),
            Metrics.Gauge(counter: "contactpoint_tls_handshake_failures_total",
                          help: "Handshakes that failed (certificate refused, not TLS, timeout)", [([], Double(s.handshakeFailures))]),
            Metrics.Gauge(counter: "contactpoint_http_protocol_errors_total",
                          help: "Error answers the HTTP layer gave itself (400, 408, 413, 414, 431, ...)", [([], Double(s.protocolErrors))]),
            Metrics.Gauge(counter: "contactpoint_http_timeouts_total",
                          help: "Header, body, idle and write timeouts that closed a connection", [([], Double(s.timeouts))]),
        ]
    }

    /// The store's totals and the outbox's levels, aged on the daemon's clock.
    /// Leadership of a pair on one PostgreSQL: whether this daemon leads, and how often it took
    /// and lost the lead since it started (a daemon on SQLite always leads).
    static func leadershipGauges(_ leadership: Leadership?) -> [Metrics.Gauge] {
        let s = leadership?.snapshot
        return [
            Metrics.Gauge("contactpoint_leader", help: "1 while this daemon leads its contact point (fires deadlines, sends the outbox)",
                          [([], (s?.isLeader ?? true) ? 1 : 0)]),
            Metrics.Gauge(counter: "contactpoint_leadership_acquired_total", help: "Times this daemon took the leadership since it started",
                          [([], Double(s?.acquisitions ?? 1))]),
            Metrics.Gauge(counter: "contactpoint_leadership_lost_total", help: "Times this daemon lost or gave up the leadership since it started",
                          [([], Double(s?.losses ?? 0))]),
        ]
    }

    static func storeGauges(_ store: EventStore, clock: Clock) -> [Metrics.Gauge] {
        let s = store.statistics
        let outbox = try? store.outboxSummary()
        let age = outbox?.oldest.map { Double(max(0, clock.now().milliseconds(since: $0))) / 1000 } ?? 0
        return [
            Metrics.Gauge(counter: "contactpoint_store_commits_total", help: "Group commits since start (each one fsync)", [([], Double(s.commits))]),
            Metrics.Gauge(counter: "contactpoint_store_batches_total", help: "Batches committed since start", [([], Double(s.batches))]),
            Metrics.Gauge("contactpoint_outbox_depth", help: "Outbound messages waiting to be delivered (parked ones not included)",
                          [([], Double(outbox?.depth ?? 0))]),
            Metrics.Gauge("contactpoint_outbox_parked", help: "Outbound messages parked after a permanent refusal, waiting for a supervisor",
                          [([], Double(outbox?.parked ?? 0))]),
            Metrics.Gauge("contactpoint_outbox_oldest_age_seconds", help: "Age of the oldest message waiting to be delivered", [([], age)]),
            Metrics.Gauge("contactpoint_store_wal_wipe_pending",
                          help: "1 while an erasure's deleted keys may still be in the WAL because a reader holds it (retried every second)",
                          [([], s.walWipePending ? 1 : 0)]),
        ]
    }
}
