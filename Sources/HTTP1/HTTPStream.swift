import Synchronization

/// The body of a streamed (chunked) response, fed by the handler from any thread; used
/// for Server-Sent Events.
///
/// Each `send` becomes one chunk, written in order. The stream closes when the handler
/// calls `finish()`, when the client goes away, or when the client reads so slowly that
/// more than `HTTPLimits.maxBufferedStreamBytes` wait (or a write blocks longer than
/// `writeTimeout`); the server's shutdown also finishes it. `onClose` handlers run once
/// at that moment, on an arbitrary thread, and must not block.
public final class HTTPStream: Sendable {
    private struct State {
        var closed = false
        var handlers: [@Sendable () -> Void] = []
    }

    private let connection: HTTPServerConnection
    private let state = Mutex(State())

    init(connection: HTTPServerConnection) {
        self.connection = connection
    }

    /// Whether the stream has ended; later `send` calls are ignored.
    public var isClosed: Bool {
        state.withLock { $0.closed }
    }

    /// Sends `bytes` as one chunk (nothing for an empty array). Any thread.
    public func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, !isClosed else { return }
        let connection = self.connection
        connection.queue.async { connection.streamSend(bytes, from: self) }
    }

    /// Ends the body; the connection then serves the client's next request (or closes).
    public func finish() {
        guard !isClosed else { return }
        let connection = self.connection
        connection.queue.async { connection.streamFinish(self) }
    }

    /// Registers `handler` to run once when the stream ends; if it already has, the
    /// handler runs at once, on the calling thread.
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.closed { return true }
            state.handlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    /// Marks the stream ended and runs the close handlers, once.
    func markClosed() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.closed else { return [] }
            state.closed = true
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler() }
    }
}
