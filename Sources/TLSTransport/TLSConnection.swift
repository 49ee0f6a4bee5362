import COpenSSL
import Dispatch
import Foundation
import Glibc
import Synchronization

/// One non-blocking TLS connection over a socket, driven by Dispatch read and write
/// sources on its own serial queue.
///
/// The connection runs the handshake, then hands received plaintext to its owner and
/// writes what the owner gives it through an outbound buffer; `close()` writes out the
/// buffer, sends `close_notify`, shuts the write side and discards input for a moment
/// before closing (so the peer reads the last response rather than a reset). A peer that
/// finishes sending first (`close_notify` or FIN) closes only its direction: the owner hears
/// `.inputClosed`, may still write, and closes. The phase logic lives in
/// `TLSConnectionStateMachine`; this type only performs the SSL calls and socket work the
/// machine asks for.
///
/// Rules for the owner: call every method on `queue`; set `eventHandler` before
/// `start()`; the handler is called on `queue` and dropped after `.closed`, which is
/// delivered exactly once. The descriptor belongs to the connection from `init` on and
/// is closed exactly once, after both sources are cancelled.
package final class TLSConnection: @unchecked Sendable {
    // Confined to `queue`: every mutable property is touched only on it.

    /// What the connection tells its owner.
    package enum Event {
        /// The handshake succeeded and the peer certificate was verified.
        case handshakeCompleted(PeerIdentity)
        /// Plaintext arrived.
        case received([UInt8])
        /// The peer will send nothing more (its `close_notify`, or a TCP FIN on a server) but
        /// may still read: write what it is owed, then `close()`.
        case inputClosed
        /// The outbound buffer emptied after a write had to wait for the socket.
        case drained
        /// The owner's timer (`setTimer(after:)`) expired.
        case timer
        /// The connection is finished; nothing follows.
        case closed(TLSConnectionStateMachine.CloseReason)
    }

    /// The deadlines the connection keeps itself.
    package struct Timeouts: Sendable {
        /// From `start()` to a completed handshake.
        package var handshake: Double
        /// From the moment a write blocks until the outbound buffer is empty again.
        package var write: Double
        /// How long to discard input after `close_notify` before closing.
        package var linger: Double

        /// Creates timeouts, in seconds.
        package init(handshake: Double, write: Double, linger: Double = 2) {
            self.handshake = handshake
            self.write = write
            self.linger = linger
        }
    }

    /// The serial queue that owns the connection.
    package let queue: DispatchQueue
    /// The peer's `host:port`.
    package let remoteAddress: String
    /// The verified peer identity, once the handshake completed.
    package internal(set) var peer: PeerIdentity?
    /// Receives the connection's events, on `queue`.
    package var eventHandler: ((Event) -> Void)?

    typealias Machine = TLSConnectionStateMachine

    /// How many connection objects exist in the process (for leak tests).
    package static var liveCount: Int { live.load(ordering: .relaxed) }
    private static let live = Atomic<Int>(0)
    static let recordSize = 16384
    static let lingerDiscardLimit = 16 << 20

    // State below is internal only so that the extensions in TLSConnection+IO.swift and
    // TLSConnection+Sources.swift can reach it; it is touched on `queue` only.
    let fd: Int32
    let timeouts: Timeouts
    var ssl: OpaquePointer?
    var machine = Machine()
    var outbound = OutboundBuffer()
    var readSource: DispatchSourceRead?
    var readSuspended = false
    var writeSource: DispatchSourceWrite?
    var writeSuspended = false
    var liveSources = 0
    var descriptorClosed = false
    var timerSource: DispatchSourceTimer?
    /// When the timer is set to fire, if it is (see `rescheduleTimer`).
    var armedDeadline: DispatchTime?
    var deadlines: [Machine.Deadline: DispatchTime] = [:]
    var ownerDeadline: DispatchTime?
    var readScheduled = false
    var writing = false
    var lingerDiscarded = 0

    /// Wraps the connected, non-blocking socket `fd` with a new SSL object from `context`
    /// (server or client side as the context says). For a client, `verifyHost` (a DNS
    /// name or IP literal) is sent as SNI and must match the server certificate's SAN;
    /// nil leaves the name check to the owner. Throws only when OpenSSL cannot allocate,
    /// in which case the caller still owns and must close `fd`.
    package init(descriptor fd: Int32, context: TLSContext, remoteAddress: String,
                 queue: DispatchQueue, timeouts: Timeouts, verifyHost: String? = nil) throws(TLSFailure) {
        guard let ssl = context.makeSSL() else {
            throw TLSFailure(.system, "cannot allocate a TLS connection: \(OpenSSLErrors.drainedReason(fallback: "out of memory"))")
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            throw TLSFailure(.system, "cannot attach the socket to TLS")
        }
        switch context.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let verifyHost { Self.requireHost(verifyHost, ssl: ssl) }
        }
        self.fd = fd
        self.ssl = ssl
        self.queue = queue
        self.remoteAddress = remoteAddress
        self.timeouts = timeouts
        Self.live.add(1, ordering: .relaxed)
    }

    deinit {
        Self.live.subtract(1, ordering: .relaxed)
        // Only a connection that was never started still owns its descriptor here:
        // a started one lives until its sources' cancel handlers closed it.
        if !descriptorClosed {
            Socket.close(fd)
        }
        if let ssl { SSL_free(ssl) }
    }

    private static func requireHost(_ host: String, ssl: OpaquePointer) {
        let bare = SocketAddress.unbracketed(host)
        let parameters = SSL_get0_param(ssl)
        if SocketAddress.isIPLiteral(bare) {
            _ = X509_VERIFY_PARAM_set1_ip_asc(parameters, bare)
        } else {
            _ = cpo_SSL_set_tlsext_host_name(ssl, bare)
            X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            _ = X509_VERIFY_PARAM_set1_host(parameters, bare, 0)
        }
    }

    // MARK: - Owner's interface

    /// The current phase.
    package var state: TLSConnectionStateMachine.State {
        dispatchPrecondition(condition: .onQueue(queue))
        return machine.state
    }

    /// Bytes written by the owner that the socket has not yet taken.
    package var pendingOutboundBytes: Int {
        dispatchPrecondition(condition: .onQueue(queue))
        return outbound.count
    }

    /// Starts watching the socket and begins the handshake, under the handshake deadline.
    package func start() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard machine.state == .idle else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [self] in timerFired() }
        timer.schedule(deadline: .distantFuture)
        timer.resume()
        timerSource = timer
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { [self] in socketReadable() }
        read.setCancelHandler { [self] in sourceCancelled() }
        liveSources += 1
        read.resume()
        readSource = read
        setDeadline(.handshake, after: timeouts.handshake)
        execute(machine.start())
        updateInterest()
    }

    /// Queues `bytes` for sending and writes as much as the socket takes now (before the
    /// handshake completes they wait for it). Ignored once closing. Check
    /// `pendingOutboundBytes` afterwards; when it is not zero, `.drained` follows once
    /// the rest is written.
    package func write(_ bytes: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !bytes.isEmpty else { return }
        switch machine.state {
        case .idle, .handshaking:
            outbound.append(bytes)
            return
        case .open, .inputClosed:
            outbound.append(bytes)
        case .closing, .closed:
            return
        }
        if machine.writeWait == nil {
            writing = true
            flush()
            writing = false
        }
        updateInterest()
    }

    /// Closes in order: buffered output, `close_notify`, half-close, a short linger (none
    /// when `peerFinished`: the peer asked to close after a complete request, and sends
    /// nothing more that matters). During the handshake the connection is simply dropped.
    package func close(peerFinished: Bool = false) {
        dispatchPrecondition(condition: .onQueue(queue))
        execute(machine.closeRequested(outboundEmpty: outbound.isEmpty, peerFinished: peerFinished))
        updateInterest()
    }

    /// Drops the connection now, without `close_notify`; buffered output is lost.
    package func abort() {
        dispatchPrecondition(condition: .onQueue(queue))
        execute(machine.abortRequested())
    }

    /// Stops delivering `.received` until `resumeReading()`; the kernel buffers meanwhile.
    package func pauseReading() {
        dispatchPrecondition(condition: .onQueue(queue))
        machine.pauseReading()
        updateInterest()
    }

    /// Delivers data again, starting with anything OpenSSL already holds.
    package func resumeReading() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard machine.readingPaused else { return }
        machine.resumeReading()
        updateInterest()
        scheduleRead()
    }

    /// Arms the owner's timer to deliver `.timer` after `seconds`, replacing the previous
    /// one; nil disarms it.
    package func setTimer(after seconds: Double?) {
        dispatchPrecondition(condition: .onQueue(queue))
        ownerDeadline = seconds.map { .now() + $0 }
        rescheduleTimer()
    }

    /// Whether the connection is still open, after taking in anything the peer already
    /// sent (a `close_notify` or EOF waiting in the socket that the read source has not
    /// reported yet). A client calls it before reusing an idle connection.
    package func checkAlive() -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard machine.state == .open else { return false }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, 0) > 0 && machine.shouldRead {
            readAvailable()
            updateInterest()
        }
        return machine.state == .open
    }

    // MARK: - Socket events

    func socketReadable() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch machine.state {
        case .handshaking:
            handshake()
        case .open, .closing(.flushing):
            if machine.writeWait == .readable { flush() }
            readAvailable()
        case .inputClosed:
            if machine.writeWait == .readable { flush() }
        case .closing(.notifying):
            shutdownTLS()
        case .closing(.lingering):
            discardLingeringInput()
        case .idle, .closed:
            break
        }
        updateInterest()
    }

    func socketWritable() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch machine.state {
        case .handshaking:
            handshake()
        case .open, .inputClosed, .closing(.flushing):
            if machine.shouldRead && machine.readWaitsFor == .writable { readAvailable() }
            flush()
        case .closing(.notifying):
            shutdownTLS()
        case .idle, .closing(.lingering), .closed:
            break
        }
        updateInterest()
    }

    func timerFired() {
        dispatchPrecondition(condition: .onQueue(queue))
        armedDeadline = nil
        let now = DispatchTime.now()
        for deadline in [Machine.Deadline.handshake, .write, .linger] {
            guard let due = deadlines[deadline], due <= now else { continue }
            deadlines[deadline] = nil
            execute(machine.deadlinePassed(deadline))
        }
        if let due = ownerDeadline, due <= now, machine.state != .closed {
            ownerDeadline = nil
            eventHandler?(.timer)
        }
        rescheduleTimer()
        updateInterest()
    }
}
