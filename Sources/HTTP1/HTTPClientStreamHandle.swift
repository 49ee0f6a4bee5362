import Dispatch
import Synchronization

/// Controls a response stream opened by `HTTPSClient.stream`.
public final class HTTPClientStreamHandle: Sendable {
    private struct State {
        var connection: HTTPClientConnection?
        var onEnd: (@Sendable (HTTPClientError?) -> Void)?
        var ended = false
        var cancelRequested = false
    }

    private let queue: DispatchQueue
    private let state = Mutex(State())

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    /// Whether the stream has ended (body complete, error, or cancelled).
    public var isEnded: Bool {
        state.withLock { $0.ended }
    }

    /// Closes the stream's connection; `onEnd(nil)` follows unless it already ended. Any thread.
    public func cancel() {
        queue.async { [self] in
            let (connection, onEnd) = state.withLock { state -> (HTTPClientConnection?, (@Sendable (HTTPClientError?) -> Void)?) in
                state.cancelRequested = true
                guard !state.ended else { return (nil, nil) }
                state.ended = true
                return (state.connection, state.onEnd)
            }
            connection?.abort(nil)
            onEnd?(nil)
        }
    }

    /// Ties the handle to its connection (on the client's queue).
    func attach(_ connection: HTTPClientConnection, onEnd: @escaping @Sendable (HTTPClientError?) -> Void) {
        state.withLock { state in
            state.connection = connection
            state.onEnd = onEnd
        }
    }

    /// Marks the stream ended; true the first time (the caller then reports the end).
    @discardableResult
    func finished() -> Bool {
        state.withLock { state in
            guard !state.ended else { return false }
            state.ended = true
            state.connection = nil
            state.onEnd = nil
            return true
        }
    }
}
