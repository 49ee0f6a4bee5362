/// The life of one non-blocking TLS connection, as a plain value: which phase it is in,
/// what each OpenSSL outcome means there, and which socket events it waits for.
///
/// `TLSConnection` feeds it the classified result of every `SSL_do_handshake`,
/// `SSL_read`, `SSL_write` and `SSL_shutdown`, and every deadline; the machine answers
/// with the one thing to do next and exposes `interest`, the read / write readiness the
/// connection must watch. It never touches a socket, so every transition is unit-tested.
///
/// ```
/// idle ─start→ handshaking ─success→ open ───────closeRequested───────→ closing(flushing)
///                  │                   │  │                                     │ outbound drained
///                  │                   │  └─peer close_notify→ inputClosed ─────┤ closeRequested
///                  │ failure/timeout   │ failure                                ▼
///                  ▼                   ▼                                closing(notifying)
///               closed ◀─────────── closed                                      │ SSL_shutdown
///                  ▲                                                            ▼
///                  └────────── EOF / linger deadline ────────────────── closing(lingering)
/// ```
/// A handshake refused for a bad certificate or a protocol error also goes through
/// `closing(lingering)` (without `SSL_shutdown`), so the peer reads the alert.
///
/// **Half-close.** A peer's `close_notify` (or, on a server, a TCP FIN: the server context
/// treats an EOF like one) ends only the peer's direction (RFC 8446 §6.1). The machine
/// moves to `inputClosed`, stops reading and tells the owner (`.inputClosed`), which may
/// still write — a server answers the requests it already received — and then closes in
/// order as from `open`. While flushing for a close, the peer's `close_notify` only stops
/// the reading; the buffered output is still written before our `close_notify`.
///
/// Rules it keeps: `SSL_shutdown` is never called after `SSL_ERROR_SSL` or
/// `SSL_ERROR_SYSCALL` (`close(_, sendCloseNotify: false)`); a close asked for during the
/// handshake drops the connection without an alert; buffered output is written before
/// `close_notify`; after `close_notify` the write side is shut and input discarded for
/// a short while, so the peer reads our last response instead of a TCP reset — unless the
/// owner said the peer has finished (`closeRequested(outboundEmpty:peerFinished:)`: it
/// asked to close after a complete request), where what is already in the socket is
/// discarded and the connection closes at once, as nginx does: nothing more that matters
/// is coming, so waiting for the peer's FIN only costs a wake-up and a descriptor.
package struct TLSConnectionStateMachine: Sendable {
    /// The phase of the connection.
    package enum State: Equatable, Sendable {
        /// Made; the handshake has not started.
        case idle
        /// `SSL_do_handshake` has not yet succeeded.
        case handshaking
        /// Application data flows both ways.
        case open
        /// The peer finished sending (`close_notify`, or EOF on a server); we may still write.
        case inputClosed
        /// An orderly close is in progress.
        case closing(Closing)
        /// Finished: the sources are cancelled and the descriptor is closed (or about to be).
        case closed
    }

    /// The steps of an orderly close.
    package enum Closing: Equatable, Sendable {
        /// Writing out what is buffered; `close_notify` follows.
        case flushing
        /// `SSL_shutdown` is sending `close_notify`.
        case notifying
        /// `close_notify` sent and the write side shut: input is discarded until EOF or the
        /// linger deadline.
        case lingering
    }

    /// A socket readiness an SSL call is blocked on.
    package enum Wait: Equatable, Sendable { case readable, writable }

    /// The result of one SSL call, classified.
    package enum Outcome: Equatable, Sendable {
        /// It succeeded (bytes moved, handshake or shutdown step done).
        case success
        /// `SSL_ERROR_WANT_READ`: retry when the socket is readable.
        case wantRead
        /// `SSL_ERROR_WANT_WRITE`: retry when the socket is writable.
        case wantWrite
        /// `SSL_ERROR_ZERO_RETURN`: the peer sent `close_notify`.
        case closeNotify
        /// `SSL_ERROR_SSL`, `SSL_ERROR_SYSCALL` or anything else: the connection is dead and
        /// `SSL_shutdown` must not be called.
        case failure(TLSFailure)
    }

    /// Deadlines the connection arms; the machine says what their passing means.
    package enum Deadline: Hashable, Sendable { case handshake, write, linger }

    /// Why the connection closed, as told to its owner.
    package enum CloseReason: Equatable, Sendable {
        /// We closed it: an orderly close finished, or the owner aborted.
        case local
        /// The peer sent `close_notify`.
        case peerClosed
        /// It failed: TLS or socket error, peer vanished, or a deadline passed.
        case failed(TLSFailure)
    }

    /// What the connection must do next.
    package enum Action: Equatable, Sendable {
        /// Nothing; wait for the next socket event.
        case none
        /// Call `SSL_do_handshake` now.
        case performHandshake
        /// The handshake succeeded: read the peer identity, tell the owner, start reading.
        case handshakeCompleted
        /// The peer will send nothing more: tell the owner, which may still write, then closes.
        case inputClosed
        /// Call `SSL_shutdown` now to send `close_notify`.
        case performShutdown
        /// Shut the socket's write side, arm the linger deadline and discard input.
        case linger
        /// Cancel the sources, close the descriptor once, tell the owner. With
        /// `sendCloseNotify` make one best-effort `SSL_shutdown` first.
        case close(CloseReason, sendCloseNotify: Bool)
    }

    /// The current phase.
    package private(set) var state: State = .idle
    /// Whether the owner asked to stop receiving data for now.
    package private(set) var readingPaused = false
    private var handshakeWait: Wait = .readable
    private var readWait: Wait = .readable
    /// What a blocked `SSL_write` waits for; nil when no write is blocked.
    package private(set) var writeWait: Wait?
    private var shutdownWait: Wait = .writable
    /// The reason to report when lingering ends (a failed handshake lingers too).
    private var closeReason: CloseReason = .local
    /// Whether the peer's `close_notify` (or EOF) was read: nothing more is read after it.
    private var inputEnded = false
    /// Whether the owner said the peer will send nothing more that matters, so the close
    /// need not linger for its FIN.
    private var peerFinished = false

    /// A machine in `.idle`.
    package init() {}

    /// What a blocked `SSL_read` waits for (`.writable` during a TLS key update).
    package var readWaitsFor: Wait { readWait }

    /// Whether application data may be read and handed to the owner now.
    package var canDeliver: Bool { state == .open && !readingPaused }

    /// Whether `SSL_read` should run now (delivering in `.open`, discarding in `.flushing`
    /// until the peer's `close_notify`).
    package var shouldRead: Bool {
        switch state {
        case .open: return !readingPaused
        case .closing(.flushing): return !inputEnded
        default: return false
        }
    }

    /// Whether `SSL_write` may run now.
    package var canWrite: Bool {
        state == .open || state == .inputClosed || state == .closing(.flushing)
    }

    /// The socket readiness to watch: (readable, writable).
    package var interest: (readable: Bool, writable: Bool) {
        switch state {
        case .idle, .closed:
            return (false, false)
        case .handshaking:
            return (handshakeWait == .readable, handshakeWait == .writable)
        case .open, .inputClosed, .closing(.flushing):
            let reading = shouldRead
            return ((reading && readWait == .readable) || writeWait == .readable,
                    writeWait == .writable || (reading && readWait == .writable))
        case .closing(.notifying):
            return (shutdownWait == .readable, shutdownWait == .writable)
        case .closing(.lingering):
            return (true, false)
        }
    }

    // MARK: - Inputs

    /// The connection starts: begin the handshake.
    package mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .handshaking
        return .performHandshake
    }

    /// `SSL_do_handshake` returned.
    package mutating func handshakeFinished(_ outcome: Outcome) -> Action {
        guard state == .handshaking else { return .none }
        switch outcome {
        case .success:
            state = .open
            return .handshakeCompleted
        case .wantRead:
            handshakeWait = .readable
            return .none
        case .wantWrite:
            handshakeWait = .writable
            return .none
        case .closeNotify:
            state = .closed
            return .close(.failed(TLSFailure(.connectionClosed, "connection closed by peer during the handshake")),
                          sendCloseNotify: false)
        case .failure(let failure):
            guard failure.kind == .peerCertificateRejected || failure.kind == .protocolViolation else {
                state = .closed
                return .close(.failed(failure), sendCloseNotify: false)
            }
            // OpenSSL has just written an alert saying why. Closing now, with the peer's
            // unread bytes (its Finished, its first request) still in our socket, would send
            // a TCP reset that can destroy the alert before the peer reads it; so shut the
            // write side and discard input for a moment first. No SSL_shutdown here.
            state = .closing(.lingering)
            closeReason = .failed(failure)
            return .linger
        }
    }

    /// `SSL_read` returned (in `.open`, or `.closing(.flushing)` where data is discarded).
    package mutating func readFinished(_ outcome: Outcome) -> Action {
        guard state == .open || (state == .closing(.flushing) && !inputEnded) else { return .none }
        switch outcome {
        case .success, .wantRead:
            readWait = .readable
            return .none
        case .wantWrite:
            readWait = .writable
            return .none
        case .closeNotify:
            // The peer's direction only: what we still have to write goes out.
            inputEnded = true
            readWait = .readable
            guard state == .open else { return .none }
            state = .inputClosed
            return .inputClosed
        case .failure(let failure):
            state = .closed
            return .close(.failed(failure), sendCloseNotify: false)
        }
    }

    /// `SSL_write` returned.
    package mutating func writeFinished(_ outcome: Outcome) -> Action {
        guard canWrite else { return .none }
        switch outcome {
        case .success:
            writeWait = nil
            return .none
        case .wantRead:
            writeWait = .readable
            return .none
        case .wantWrite:
            writeWait = .writable
            return .none
        case .closeNotify:
            state = .closed
            return .close(.peerClosed, sendCloseNotify: false)
        case .failure(let failure):
            state = .closed
            return .close(.failed(failure), sendCloseNotify: false)
        }
    }

    /// The outbound buffer became empty.
    package mutating func outboundDrained() -> Action {
        writeWait = nil
        guard state == .closing(.flushing) else { return .none }
        state = .closing(.notifying)
        shutdownWait = .writable
        return .performShutdown
    }

    /// The owner asks for an orderly close; `outboundEmpty` tells whether output is pending.
    /// `peerFinished`: the peer will send nothing more that matters (it asked to close after
    /// a complete request), so after our `close_notify` the connection does not linger.
    package mutating func closeRequested(outboundEmpty: Bool, peerFinished: Bool = false) -> Action {
        switch state {
        case .idle, .handshaking:
            state = .closed
            return .close(.local, sendCloseNotify: false)
        case .open, .inputClosed:
            self.peerFinished = peerFinished
            if outboundEmpty {
                state = .closing(.notifying)
                shutdownWait = .writable
                return .performShutdown
            }
            state = .closing(.flushing)
            return .none
        case .closing, .closed:
            return .none
        }
    }

    /// `SSL_shutdown` returned (0 or 1 is `.success`).
    package mutating func shutdownFinished(_ outcome: Outcome) -> Action {
        guard state == .closing(.notifying) else { return .none }
        switch outcome {
        case .success, .closeNotify:
            state = .closing(.lingering)
            return .linger
        case .wantWrite:
            shutdownWait = .writable
            return .none
        case .wantRead:
            // Our close_notify is out; only the peer's is missing, which we do not wait for.
            state = .closing(.lingering)
            return .linger
        case .failure(let failure):
            state = .closed
            return .close(.failed(failure), sendCloseNotify: false)
        }
    }

    /// While lingering, the input already in the socket has been discarded: close now if
    /// the peer has finished, else keep lingering (`.none`) until EOF or the deadline.
    package mutating func lingerDrained() -> Action {
        guard state == .closing(.lingering), peerFinished else { return .none }
        state = .closed
        return .close(closeReason, sendCloseNotify: false)
    }

    /// While lingering, the peer closed (EOF) or the socket failed.
    package mutating func lingerInputEnded() -> Action {
        guard state == .closing(.lingering) else { return .none }
        state = .closed
        return .close(closeReason, sendCloseNotify: false)
    }

    /// A deadline passed; deadlines not relevant to the current phase are ignored.
    package mutating func deadlinePassed(_ deadline: Deadline) -> Action {
        switch (deadline, state) {
        case (.handshake, .handshaking):
            state = .closed
            return .close(.failed(TLSFailure(.timedOut, "TLS handshake not completed in time")),
                          sendCloseNotify: false)
        case (.write, .open), (.write, .inputClosed), (.write, .closing(.flushing)), (.write, .closing(.notifying)):
            state = .closed
            return .close(.failed(TLSFailure(.timedOut, "peer stopped reading: output not written in time")),
                          sendCloseNotify: false)
        case (.linger, .closing(.lingering)):
            state = .closed
            return .close(closeReason, sendCloseNotify: false)
        default:
            return .none
        }
    }

    /// The owner drops the connection at once (no `close_notify`, buffered output lost),
    /// for `failure` when one is given.
    package mutating func abortRequested(_ failure: TLSFailure? = nil) -> Action {
        guard state != .closed else { return .none }
        state = .closed
        return .close(failure.map { .failed($0) } ?? closeReason, sendCloseNotify: false)
    }

    /// The owner stops taking data (e.g. while a response is pending).
    package mutating func pauseReading() {
        readingPaused = true
    }

    /// The owner takes data again.
    package mutating func resumeReading() {
        readingPaused = false
    }
}
