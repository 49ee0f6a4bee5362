import Dispatch
import Foundation
import Synchronization
import TLSTransport

/// An HTTPS/1.1 server with mandatory client certificates: accepts on a Dispatch
/// source, runs every connection on its own serial queue, and hands complete requests
/// to one handler.
///
/// Life cycle: `init` loads the TLS material (throws `TLSError`), `start()` binds
/// (throws `ListenError`) and accepts; `shutdown(timeout:completion:)` stops accepting,
/// lets requests in progress finish their response, closes idle connections and
/// streams, and calls back once all are gone (dropping stragglers at the deadline).
/// `reloadTLS(_:)` swaps certificate and CA for new handshakes, e.g. on SIGHUP.
///
/// Over `maxConnections`, a new connection is accepted and closed at once, before the
/// handshake: under a flood the server spends no TLS work on it, and the clients already
/// connected keep being served. Handshake failures and refusals go to `log`, at most 20
/// lines per 10 seconds. See docs/transport.md.
public final class HTTPServer: Sendable {
    private let host: String
    private let requestedPort: Int
    private let core: HTTPServerCore
    private let listener = Mutex<TLSListener?>(nil)
    private let shutdownState = Mutex<(started: Bool, completions: [@Sendable () -> Void], done: Bool)>((false, [], false))

    /// Prepares a server for `host:port` (`127.0.0.1`, `::1` / `[::1]`, or a name; port 0
    /// picks a free one at `start()`). Throws `TLSError` when the certificate, key, CA
    /// or CRL cannot be loaded. `log` receives one line per notable event (handshake
    /// failure with the peer address and reason, refused connection); `handler` gets
    /// every request, on the connection's queue.
    public init(host: String, port: Int, tls: TLSConfiguration, limits: HTTPLimits = HTTPLimits(),
                log: (@Sendable (String) -> Void)? = nil, handler: @escaping HTTPHandler) throws {
        self.host = host
        self.requestedPort = port
        self.core = HTTPServerCore(context: try TLSContext.server(tls), limits: limits, log: log, handler: handler)
    }

    deinit {
        // A server dropped without `shutdown` still stops listening; its open connections
        // end by themselves (timeouts or their clients).
        listener.withLock { $0 }?.stop()
    }

    /// Binds and listens without accepting yet, so an owner can learn that the address is
    /// taken before it starts anything else. Throws `ListenError` (`cannot listen on
    /// 127.0.0.1:8443: Address already in use`). Once at most; `start()` binds if it was not.
    public func bind() throws {
        guard listener.withLock({ $0 }) == nil else { return }
        let bound = try TLSListener(host: host, port: requestedPort, backlog: 1024,
                                    queue: DispatchQueue(label: "contactpoint.http.accept", target: .global()))
        listener.withLock { $0 = bound }
    }

    /// Binds (unless `bind()` did) and starts accepting. Throws `ListenError`. Call once.
    public func start() throws {
        try bind()
        guard let bound = listener.withLock({ $0 }) else { return }
        let core = self.core
        bound.start { fd, remote in core.accept(fd, remoteAddress: remote) }
    }

    /// The bound port once started (the kernel's choice for port 0), else the requested one.
    public var port: Int {
        listener.withLock { $0?.port } ?? requestedPort
    }

    /// Stops accepting new connections; open ones carry on.
    public func stopAccepting() {
        listener.withLock { $0 }?.stop()
    }

    /// Stops accepting, lets requests in progress finish their response (with
    /// `Connection: close`), closes idle connections and ends open streams; `completion`
    /// runs once every connection is gone and the listening socket is closed, or after
    /// `timeout` seconds with the rest dropped. Callable from any thread, more than once.
    public func shutdown(timeout: TimeInterval, completion: @escaping @Sendable () -> Void) {
        // One decision under one lock: run now (already done), wait with the others, or
        // start the shutdown. Deciding in two acquisitions let a completion be both queued
        // and run at once, and so run twice, when the shutdown finished in between.
        enum Decision { case runNow, queued, start }
        let decision = shutdownState.withLock { state -> Decision in
            if state.done { return .runNow }
            state.completions.append(completion)
            if state.started { return .queued }
            state.started = true
            return .start
        }
        switch decision {
        case .runNow:
            completion()
            return
        case .queued:
            return
        case .start:
            break
        }
        let group = DispatchGroup()
        if let bound = listener.withLock({ $0 }) {
            group.enter()
            bound.stop { group.leave() }
        }
        group.enter()
        let core = self.core
        core.beginShutdown { group.leave() }
        let deadline = DispatchWorkItem { core.abortAll() }
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout), execute: deadline)
        group.notify(queue: .global()) { [self] in
            deadline.cancel()
            let completions = shutdownState.withLock { state -> [@Sendable () -> Void] in
                state.done = true
                defer { state.completions = [] }
                return state.completions
            }
            for completion in completions { completion() }
        }
    }

    /// Loads `tls` and uses it for every handshake from now on (connections already open
    /// keep theirs). Throws `TLSError` and keeps the old material if anything is wrong.
    public func reloadTLS(_ tls: TLSConfiguration) throws {
        core.tlsContext = try TLSContext.server(tls)
    }

    /// A snapshot of the counters.
    public var statistics: HTTPServerStatistics {
        core.statistics
    }
}
