import Dispatch
import TLSTransport

/// One connection of an `HTTPSClient`: connects, verifies the server, then carries one
/// request at a time and parses its response, reporting head, body pieces and the end.
///
/// The request is held back until the handshake is done and, when the client expects a
/// particular server identity, until the certificate has been checked against it, so
/// nothing is sent to the wrong partner.
final class HTTPClientConnection: @unchecked Sendable {
    // Confined to `queue` (the owning client's queue).

    /// Callbacks of one request/response exchange.
    struct Exchange {
        var request: [UInt8]
        var isHEAD: Bool
        /// Seconds until the head must have arrived (and, unless `streaming`, the body).
        var timeout: Double
        var streaming: Bool
        var onHead: (Int, HTTPHeaders) -> Void
        var onBody: ([UInt8]) -> Void
        /// Called once: nil when the response is complete; `retryable` when the connection
        /// had served requests before and closed before any byte of this response.
        var onEnd: (_ error: HTTPClientError?, _ retryable: Bool) -> Void
    }

    /// The target of this connection.
    struct Target: Sendable {
        var host: String
        var port: Int
        var context: TLSContext
        var expectedIdentity: String?
        var connectTimeout: Double
        var description: String
    }

    let queue: DispatchQueue
    private let target: Target
    private var tls: TLSConnection?
    private var parser = HTTPResponseParser()
    private var exchange: Exchange?
    private var verified = false
    private var closed = false
    private var served = 0
    private var idleTimeout: Double?
    /// Called when the connection closes while idle (the pool forgets it).
    var onIdleClose: ((HTTPClientConnection) -> Void)?

    init(target: Target, queue: DispatchQueue) {
        self.target = target
        self.queue = queue
    }

    /// Whether the connection can take a request now (open, verified, idle, not closed by
    /// the server in the meantime).
    func isReusable() -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !closed, verified, exchange == nil, let tls else { return false }
        return tls.checkAlive() && !closed
    }

    /// Starts the connection (TCP, then TLS).
    func connect() {
        dispatchPrecondition(condition: .onQueue(queue))
        TCPConnector.connect(host: target.host, port: target.port, timeout: target.connectTimeout, queue: queue) {
            [self] result in
            switch result {
            case .failure(let failure):
                fail(.connect(address: SocketAddress.display(host: target.host, port: target.port),
                              reason: failure.description), retryable: false)
            case .success(let connected):
                attach(connected.descriptor, remote: connected.remoteAddress)
            }
        }
    }

    private func attach(_ fd: Int32, remote: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !closed else {
            Socket.close(fd)
            return
        }
        let verifyHost = target.expectedIdentity == nil ? target.host : nil
        do {
            let connection = try TLSConnection(descriptor: fd, context: target.context, remoteAddress: remote, queue: queue,
                                               timeouts: .init(handshake: target.connectTimeout, write: target.connectTimeout),
                                               verifyHost: verifyHost)
            tls = connection
            connection.eventHandler = { [self] event in handle(event) }
            connection.start()
            if let exchange { connection.setTimer(after: exchange.timeout) }
        } catch {
            Socket.close(fd)
            fail(.tls(reason: error.description), retryable: false)
        }
    }

    /// Sends a request; the connection must be idle (fresh or reusable).
    func execute(_ newExchange: Exchange) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !closed else {
            newExchange.onEnd(.closed, served > 0)
            return
        }
        exchange = newExchange
        parser.expect(responseToHEAD: newExchange.isHEAD)
        tls?.setTimer(after: newExchange.timeout)
        if verified { tls?.write(newExchange.request) }
    }

    /// Closes the connection in order (idle pool trimming, client close).
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !closed else { return }
        if let tls { tls.close() } else { fail(.closed, retryable: false) }
    }

    /// Drops the connection now; a running exchange ends with `error`.
    func abort(_ error: HTTPClientError?) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !closed else { return }
        let current = exchange
        exchange = nil
        closed = true
        tls?.abort()
        current?.onEnd(error, false)
    }

    /// While idle in a pool, close after `seconds` of no use.
    func setIdleTimeout(_ seconds: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        idleTimeout = seconds
        tls?.setTimer(after: seconds)
    }

    // MARK: - Events

    private func handle(_ event: TLSConnection.Event) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch event {
        case .handshakeCompleted(let peer):
            if let expected = target.expectedIdentity, !peer.matches(expected) {
                let names = ([peer.commonName] + peer.subjectAltNames.filter { $0 != peer.commonName })
                    .joined(separator: ", ")
                fail(.tls(reason: "the server's certificate identifies \(names), not the expected \(expected)"),
                     retryable: false)
                return
            }
            verified = true
            if let exchange { tls?.write(exchange.request) }
        case .received(let bytes):
            guard exchange != nil else {
                // Bytes nobody asked for: the connection is out of step; drop it.
                abort(nil)
                return
            }
            parser.append(bytes)
            drainParser()
        case .inputClosed:
            // The server will send nothing more: a response it framed by the close is complete
            // (or cut short); then close our side in order.
            connectionClosed(.peerClosed)
            tls?.close()
        case .drained:
            break
        case .timer:
            if exchange != nil {
                fail(.timeout("no response from \(target.description) within \(Self.seconds(exchange!.timeout))"),
                     retryable: false)
            } else {
                tls?.close()
            }
        case .closed(let reason):
            connectionClosed(reason)
        }
    }

    private func drainParser() {
        dispatchPrecondition(condition: .onQueue(queue))
        while let current = exchange {
            switch parser.next() {
            case .needMoreData:
                return
            case .head(let status, let headers):
                if current.streaming { tls?.setTimer(after: nil) }
                current.onHead(status, headers)
            case .body(let bytes):
                current.onBody(bytes)
            case .end:
                finishExchange()
            case .error(let reason):
                fail(.protocolError(reason), retryable: false)
            }
        }
    }

    private func finishExchange() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let current = exchange else { return }
        exchange = nil
        served += 1
        let keepAlive = parser.keepAlive
        parser.prepareForNextResponse()
        if keepAlive, let idleTimeout {
            tls?.setTimer(after: idleTimeout)
        } else {
            tls?.setTimer(after: nil)
        }
        // A server may answer before reading the whole request (an early 413 or 401): then
        // the rest of our body is still queued and the connection cannot carry another request.
        if !keepAlive || (tls?.pendingOutboundBytes ?? 0) > 0 {
            tls?.close()
        }
        current.onEnd(nil, false)
    }

    private func connectionClosed(_ reason: TLSConnectionStateMachine.CloseReason) {
        dispatchPrecondition(condition: .onQueue(queue))
        let wasClosed = closed
        closed = true
        guard let current = exchange else {
            if !wasClosed { onIdleClose?(self) }
            onIdleClose = nil
            return
        }
        if case .end = parser.connectionClosed() {
            finishExchange() // a body delimited by the close
            return
        }
        let started = parser.hasStarted
        let error: HTTPClientError
        switch reason {
        case .local, .peerClosed:
            error = verified ? .closed : .tls(reason: "the server closed the connection during the TLS handshake")
        case .failed(let failure):
            error = .from(failure, handshakeDone: tls?.peer != nil,
                          timeoutText: "no response from \(target.description) within \(Self.seconds(current.timeout))")
        }
        let retryable = served > 0 && !started && (error == .closed)
        exchange = nil
        current.onEnd(error, retryable)
    }

    private func fail(_ error: HTTPClientError, retryable: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        let current = exchange
        exchange = nil
        let wasClosed = closed
        closed = true
        tls?.abort()
        if let current {
            current.onEnd(error, retryable)
        } else if !wasClosed {
            onIdleClose?(self)
        }
        onIdleClose = nil
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
