import Dispatch

/// The idle kept-alive connections of one `HTTPSClient`, most recently used last.
final class HTTPClientPool: @unchecked Sendable {
    // Confined to `queue` (the client's queue).

    /// How many idle connections are kept.
    static let capacity = 4
    /// Seconds an idle connection is kept before it is closed.
    static let idleTimeout = 15.0

    private let queue: DispatchQueue
    private var idle: [HTTPClientConnection] = []
    /// Whether the client was closed.
    private(set) var isClosed = false

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    /// An idle connection that is still usable, or nil.
    func takeIdle() -> HTTPClientConnection? {
        dispatchPrecondition(condition: .onQueue(queue))
        while let connection = idle.popLast() {
            connection.onIdleClose = nil
            if connection.isReusable() { return connection }
            connection.close()
        }
        return nil
    }

    /// Keeps a connection whose exchange ended, if it can carry another request.
    func giveBack(_ connection: HTTPClientConnection) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed, connection.isReusable() else { return }
        if idle.count >= Self.capacity {
            idle.removeFirst().close()
        }
        connection.setIdleTimeout(Self.idleTimeout)
        connection.onIdleClose = { [weak self] closed in
            self?.idle.removeAll { $0 === closed }
        }
        idle.append(connection)
    }

    /// Closes every idle connection and refuses new requests.
    func closeAll() {
        dispatchPrecondition(condition: .onQueue(queue))
        isClosed = true
        let connections = idle
        idle = []
        for connection in connections {
            connection.onIdleClose = nil
            connection.close()
        }
    }
}
