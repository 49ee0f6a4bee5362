import Dispatch
import Synchronization
import TLSTransport

/// What an `HTTPServer`'s connections share: handler, limits, the current TLS context,
/// statistics and the registry of open connections. Thread-safe; its mutable state sits
/// behind one mutex, held only for counter updates and registry changes.
final class HTTPServerCore: Sendable {
    private struct State {
        var statistics = HTTPServerStatistics()
        var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
        var shuttingDown = false
        var drained: (@Sendable () -> Void)?
    }

    let limits: HTTPLimits
    let handler: HTTPHandler
    private let logSink: (@Sendable (String) -> Void)?
    private let failureLog: RateLimitedLog
    private let context: Mutex<TLSContext>
    private let state = Mutex(State())

    init(context: TLSContext, limits: HTTPLimits, log: (@Sendable (String) -> Void)?, handler: @escaping HTTPHandler) {
        self.context = Mutex(context)
        self.limits = limits
        self.handler = handler
        self.logSink = log
        self.failureLog = RateLimitedLog(sink: log)
    }

    /// The context new handshakes use.
    var tlsContext: TLSContext {
        get { context.withLock { $0 } }
        set { context.withLock { $0 = newValue } }
    }

    var statistics: HTTPServerStatistics {
        state.withLock { state in
            var copy = state.statistics
            copy.openConnections = state.connections.count
            return copy
        }
    }

    /// Passes `message` to the log closure (rate-limited).
    func log(_ message: String) {
        failureLog.log(message)
    }

    /// Adds one to a counter.
    func count(_ counter: WritableKeyPath<HTTPServerStatistics, Int>) {
        state.withLock { $0.statistics[keyPath: counter] += 1 }
    }

    /// Takes an accepted socket: over the limit (or shutting down) it is closed at once,
    /// before any TLS work; otherwise it becomes a connection on its own queue.
    func accept(_ fd: Int32, remoteAddress: String) {
        guard admits() else {
            Socket.close(fd)
            refused(remoteAddress)
            return
        }
        // Serial per connection, on the shared (non-overcommit) global pool: I/O never
        // blocks, so a few threads serve every connection instead of a thread per burst.
        let queue = DispatchQueue(label: "contactpoint.http.connection", target: .global())
        let tls: TLSConnection
        do {
            tls = try TLSConnection(descriptor: fd, context: tlsContext, remoteAddress: remoteAddress, queue: queue,
                                    timeouts: .init(handshake: limits.handshakeTimeout, write: limits.writeTimeout))
        } catch {
            Socket.close(fd)
            failureLog.log("cannot serve \(remoteAddress): \(error)")
            return
        }
        let connection = HTTPServerConnection(tls: tls, core: self)
        // Checked again and registered in one step, so a shutdown starting meanwhile either
        // sees this connection or refuses it. A refused, never-started TLS connection
        // closes its descriptor when it goes away.
        let registered = state.withLock { state -> Bool in
            guard !state.shuttingDown, state.connections.count < limits.maxConnections else { return false }
            state.connections[ObjectIdentifier(connection)] = connection
            state.statistics.acceptedTotal += 1
            return true
        }
        guard registered else {
            refused(remoteAddress)
            return
        }
        connection.start()
    }

    private func admits() -> Bool {
        state.withLock { !$0.shuttingDown && $0.connections.count < limits.maxConnections }
    }

    private func refused(_ remoteAddress: String) {
        let shuttingDown = state.withLock { state -> Bool in
            state.statistics.rejectedOverLimit += 1
            return state.shuttingDown
        }
        failureLog.log("refused connection from \(remoteAddress): "
                       + (shuttingDown ? "shutting down" : "\(limits.maxConnections) connections open"))
    }

    /// Records and logs (rate-limited) a failed handshake.
    func handshakeFailed(remoteAddress: String, failure: TLSFailure) {
        count(\.handshakeFailures)
        failureLog.log("TLS handshake with \(remoteAddress) failed: \(failure)")
    }

    /// Forgets a closed connection; completes a shutdown when it was the last.
    func connectionClosed(_ connection: HTTPServerConnection) {
        let drained = state.withLock { state -> (@Sendable () -> Void)? in
            state.connections[ObjectIdentifier(connection)] = nil
            guard state.shuttingDown, state.connections.isEmpty else { return nil }
            defer { state.drained = nil }
            return state.drained
        }
        drained?()
    }

    /// Starts a graceful shutdown: no new connections; every connection finishes its
    /// current request and closes. `drained` runs once no connection is left.
    func beginShutdown(drained: @escaping @Sendable () -> Void) {
        let (connections, runNow) = state.withLock { state -> ([HTTPServerConnection], Bool) in
            state.shuttingDown = true
            if state.connections.isEmpty { return ([], true) }
            state.drained = drained
            return (Array(state.connections.values), false)
        }
        if runNow {
            drained()
            return
        }
        for connection in connections {
            connection.queue.async { connection.beginShutdown() }
        }
    }

    /// Drops every connection still open (the shutdown deadline passed).
    func abortAll() {
        for connection in state.withLock({ Array($0.connections.values) }) {
            connection.queue.async { connection.abort() }
        }
    }
}
