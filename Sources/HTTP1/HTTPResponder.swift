import Synchronization

/// The way a handler answers one request: exactly once, with `respond(_:)` or by
/// starting a stream, from any thread.
///
/// The responder holds its connection until it is used. If it is dropped without an
/// answer the client gets a 500 problem response and the connection closes, so a
/// handler bug cannot leave a client waiting forever. Calls after the first answer, or
/// after the client went away, are ignored.
public final class HTTPResponder: Sendable {
    private let connection: HTTPServerConnection
    private let sequence: UInt64
    private let answered = Mutex(false)

    init(connection: HTTPServerConnection, sequence: UInt64) {
        self.connection = connection
        self.sequence = sequence
    }

    deinit {
        if !answered.withLock({ $0 }) {
            let connection = self.connection, sequence = self.sequence
            connection.queue.async { connection.responderAbandoned(sequence: sequence) }
        }
    }

    /// Claims the single answer; false if it was already given.
    private func claim() -> Bool {
        answered.withLock { done in
            defer { done = true }
            return !done
        }
    }

    /// Sends `response` (framed with `Content-Length`). Callable once, from any thread;
    /// it hops to the connection's queue.
    public func respond(_ response: HTTPResponse) {
        guard claim() else { return }
        let connection = self.connection, sequence = self.sequence
        connection.queue.async { connection.respond(response, sequence: sequence) }
    }

    /// Sends the response `make` builds, building it on the connection's queue: a handler that
    /// answers from a busy serial queue (the Desk's) leaves the serialization to the
    /// connection, whose queues run in parallel. Callable once, from any thread.
    public func respond(building make: @escaping @Sendable () -> HTTPResponse) {
        guard claim() else { return }
        let connection = self.connection, sequence = self.sequence
        connection.queue.async { connection.respond(make(), sequence: sequence) }
    }

    /// Starts a chunked streaming response (e.g. Server-Sent Events: pass
    /// `Content-Type: text/event-stream`) and returns the stream to feed. Counts as the
    /// single answer; if the request was already answered the stream comes back closed.
    public func startStream(status: Int, headers: HTTPHeaders) -> HTTPStream {
        let stream = HTTPStream(connection: connection)
        guard claim() else {
            stream.markClosed()
            return stream
        }
        let connection = self.connection, sequence = self.sequence
        connection.queue.async {
            connection.startStream(status: status, headers: headers, stream: stream, sequence: sequence)
        }
        return stream
    }
}
