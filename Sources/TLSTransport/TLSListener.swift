import Dispatch
import Glibc

/// A listening TCP socket whose accept loop runs on a Dispatch read source.
///
/// `init` binds and listens (SO_REUSEADDR; IPv4 or IPv6 literal, `[::1]` accepted; port 0
/// picks a free port, readable as `port`) and throws a one-line `ListenError`. `start`
/// accepts every pending connection each time the socket is readable, until `EAGAIN`,
/// and hands each new descriptor — already non-blocking and close-on-exec — to
/// `onAccept`, which owns it from then on. Accepting never does TLS work, so one slow
/// client cannot stall it. When the process runs out of descriptors the loop pauses for
/// 100 ms instead of spinning.
package final class TLSListener: @unchecked Sendable {
    // Confined to `queue` once started: `source`, `suspended`, `stopped`, `onAccept`.

    /// The queue the accept loop runs on.
    package let queue: DispatchQueue
    /// The bound port (the kernel's choice when 0 was asked for).
    package let port: Int
    /// `host:port` as bound, for logs.
    package let address: String

    private let fd: Int32
    private var source: DispatchSourceRead?
    private var suspended = false
    private var started = false
    private var stopped = false
    private var stopCompletions: [@Sendable () -> Void] = []
    private var onAccept: ((Int32, String) -> Void)?

    /// Binds `host:port` and listens; throws `ListenError` ("cannot listen on
    /// 127.0.0.1:8443: Address already in use").
    package init(host: String, port: Int, backlog: Int32 = 1024, queue: DispatchQueue) throws(ListenError) {
        let display = SocketAddress.display(host: host, port: port)
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: host, port: port, passive: true)
        } catch {
            throw ListenError(address: display, reason: error.description)
        }
        var lastFailure = Socket.Failure(code: EADDRNOTAVAIL)
        var bound: Int32 = -1
        for address in addresses {
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else {
                lastFailure = .current()
                continue
            }
            Socket.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            let result = address.withSockAddr { bind(fd, $0, $1) }
            if result == 0, listen(fd, backlog) == 0 {
                do {
                    try Socket.configure(fd)
                    bound = fd
                    break
                } catch {
                    lastFailure = error
                }
            } else {
                lastFailure = .current()
            }
            Socket.close(fd)
        }
        guard bound >= 0 else { throw ListenError(address: display, reason: lastFailure.description) }
        self.fd = bound
        self.queue = queue
        self.port = Socket.localPort(bound) ?? port
        self.address = SocketAddress.display(host: host, port: self.port)
    }

    deinit {
        // A started listener lives until its source's cancel handler closed the socket;
        // `started` is also set when `stop` closed a listener that never started.
        if !started { Socket.close(fd) }
    }

    /// Starts accepting; `onAccept(descriptor, remoteAddress)` runs on `queue` and owns
    /// the descriptor. Call once, from any thread.
    package func start(onAccept: @escaping @Sendable (Int32, String) -> Void) {
        queue.async { [self] in
            guard !started, !stopped else { return }
            started = true
            self.onAccept = onAccept
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [self] in acceptPending() }
            source.setCancelHandler { [self] in
                Socket.close(fd)
                self.onAccept = nil
                self.source = nil
                let completions = stopCompletions
                stopCompletions = []
                for completion in completions { completion() }
            }
            self.source = source
            source.resume()
        }
    }

    /// Stops accepting and closes the listening socket; `completion` runs once it is
    /// closed. Callable from any thread, more than once.
    package func stop(completion: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            if !stopped {
                stopped = true
                if let source {
                    if suspended {
                        suspended = false
                        source.resume()
                    }
                    source.cancel()
                } else if !started {
                    // Never started: no source owns the socket, so close it here (and mark
                    // it started so deinit does not close it again).
                    started = true
                    Socket.close(fd)
                }
            }
            guard let completion else { return }
            if source != nil { stopCompletions.append(completion) } else { completion() }
        }
    }

    private func acceptPending() {
        dispatchPrecondition(condition: .onQueue(queue))
        while !stopped {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
            }
            if client < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: pause rather than spin on a readable socket.
                    pauseAccepting()
                    return
                }
            }
            do {
                try Socket.configure(client)
            } catch {
                Socket.close(client)
                continue
            }
            Socket.setNoDelay(client)
            let remote = SocketAddress(storage: storage)?.description ?? "unknown"
            onAccept?(client, remote)
        }
    }

    private func pauseAccepting() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let source, !suspended else { return }
        suspended = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            guard suspended, !stopped, let source = self.source else { return }
            suspended = false
            source.resume()
        }
    }
}
