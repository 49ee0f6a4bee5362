import Dispatch
import Glibc

/// Opens an outgoing TCP connection without blocking: a non-blocking `connect`, a write
/// source for its completion, and a deadline.
///
/// Each resolved address is tried in turn; the completion runs once on `queue` with the
/// connected descriptor (non-blocking, close-on-exec, TCP_NODELAY, owned by the caller
/// from then on) and the peer's `host:port`, or with the last failure's reason.
package final class TCPConnector: @unchecked Sendable {
    // Confined to `queue`.

    /// The connected socket and the peer's `host:port`.
    package typealias Connected = (descriptor: Int32, remoteAddress: String)

    private let queue: DispatchQueue
    private var addresses: [SocketAddress]
    private var completion: ((Result<Connected, Socket.Failure>) -> Void)?
    private var fd: Int32 = -1
    private var source: DispatchSourceWrite?
    private var handOver = false
    private var lastFailure = Socket.Failure(code: ECONNREFUSED)
    private var deadline: DispatchSourceTimer?

    /// Connects to `host:port` within `timeout` seconds; `completion` runs on `queue`.
    /// Callable from any thread.
    package static func connect(host: String, port: Int, timeout: Double, queue: DispatchQueue,
                                completion: @escaping @Sendable (Result<Connected, Socket.Failure>) -> Void) {
        queue.async {
            let addresses: [SocketAddress]
            do throws(Socket.Failure) {
                addresses = try SocketAddress.resolve(host: host, port: port, passive: false)
            } catch {
                completion(.failure(error))
                return
            }
            let connector = TCPConnector(addresses: addresses, queue: queue, completion: completion)
            connector.armDeadline(after: timeout)
            connector.tryNext()
        }
    }

    private init(addresses: [SocketAddress], queue: DispatchQueue,
                 completion: @escaping (Result<Connected, Socket.Failure>) -> Void) {
        self.addresses = addresses
        self.queue = queue
        self.completion = completion
    }

    private func armDeadline(after seconds: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        // A timer source, cancelled on completion, rather than `asyncAfter`: a connection
        // that finishes early must not leave its deadline queued for the full timeout.
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in
            guard let self, self.completion != nil else { return }
            self.lastFailure = Socket.Failure(code: ETIMEDOUT)
            self.addresses = []
            self.abandonCurrent()
        }
        timer.schedule(deadline: .now() + seconds)
        timer.resume()
        deadline = timer
    }

    private func tryNext() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard completion != nil else { return }
        guard !addresses.isEmpty else {
            finish(.failure(lastFailure))
            return
        }
        let address = addresses.removeFirst()
        let candidate = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard candidate >= 0 else {
            lastFailure = .current()
            tryNext()
            return
        }
        do {
            try Socket.configure(candidate)
        } catch {
            lastFailure = error
            Socket.close(candidate)
            tryNext()
            return
        }
        let result = address.withSockAddr { Glibc.connect(candidate, $0, $1) }
        if result != 0 && errno != EINPROGRESS {
            lastFailure = .current()
            Socket.close(candidate)
            tryNext()
            return
        }
        fd = candidate
        let source = DispatchSource.makeWriteSource(fileDescriptor: candidate, queue: queue)
        source.setEventHandler { [self] in connectFinished() }
        source.setCancelHandler { [self] in sourceCancelled(candidate) }
        self.source = source
        source.resume()
    }

    private func connectFinished() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard fd >= 0, let source else { return }
        let error = Socket.pendingError(fd)
        if error == 0 {
            handOver = true
        } else {
            lastFailure = Socket.Failure(code: error)
        }
        source.cancel()
    }

    /// Gives up on the attempt in flight (deadline passed).
    private func abandonCurrent() {
        dispatchPrecondition(condition: .onQueue(queue))
        if let source {
            source.cancel()
        } else {
            tryNext()
        }
    }

    /// The write source is done with the descriptor: hand it over, or close it and move on.
    private func sourceCancelled(_ descriptor: Int32) {
        dispatchPrecondition(condition: .onQueue(queue))
        source = nil
        fd = -1
        if handOver && completion != nil {
            Socket.setNoDelay(descriptor)
            finish(.success((descriptor, Socket.peerAddress(descriptor))))
        } else {
            Socket.close(descriptor)
            tryNext()
        }
    }

    private func finish(_ result: Result<Connected, Socket.Failure>) {
        dispatchPrecondition(condition: .onQueue(queue))
        deadline?.cancel()
        deadline = nil
        let completion = self.completion
        self.completion = nil
        completion?(result)
    }
}
