import COpenSSL
import Dispatch
import Glibc

/// The SSL calls and socket work `TLSConnectionStateMachine` asks for: handshake, reads,
/// writes from the outbound buffer, `close_notify`, lingering, and the final close.
/// Every method runs on the connection's queue and clears OpenSSL's per-thread error
/// queue before each SSL call whose errors it reads.
extension TLSConnection {
    func execute(_ action: Machine.Action) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch action {
        case .none:
            break
        case .performHandshake:
            handshake()
        case .handshakeCompleted:
            handshakeCompleted()
        case .inputClosed:
            eventHandler?(.inputClosed)
        case .performShutdown:
            shutdownTLS()
        case .linger:
            linger()
        case .close(let reason, let sendCloseNotify):
            finish(reason, sendCloseNotify: sendCloseNotify)
        }
    }

    func handshake() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let ssl else { return }
        OpenSSLErrors.clear()
        let result = SSL_do_handshake(ssl)
        let savedErrno = errno
        let outcome: Machine.Outcome = result == 1
            ? .success : TLSFailure.classify(ssl: ssl, result: result, savedErrno: savedErrno)
        execute(machine.handshakeFinished(outcome))
    }

    func handshakeCompleted() {
        dispatchPrecondition(condition: .onQueue(queue))
        clearDeadline(.handshake)
        guard let ssl, let identity = PeerIdentity.of(ssl: ssl) else {
            execute(machine.abortRequested(TLSFailure(.peerCertificateRejected, "no certificate presented")))
            return
        }
        peer = identity
        eventHandler?(.handshakeCompleted(identity))
        // Data may have arrived together with the peer's Finished message.
        if machine.shouldRead { scheduleRead() }
        if !outbound.isEmpty, machine.writeWait == nil { flush() }
    }

    /// Reads until OpenSSL wants more from the socket, handing plaintext to the owner
    /// (or discarding it while flushing for a close).
    func readAvailable() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let ssl else { return }
        var rounds = 0
        while machine.shouldRead {
            if rounds == 32 {
                // Fairness with other connections; continue on a later turn of the queue.
                scheduleRead()
                return
            }
            rounds += 1
            var received: [UInt8]?
            var outcome = Machine.Outcome.success
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.recordSize) { buffer in
                OpenSSLErrors.clear()
                let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
                let savedErrno = errno
                if count > 0 {
                    received = Array(buffer[0..<Int(count)])
                } else {
                    outcome = TLSFailure.classify(ssl: ssl, result: count, savedErrno: savedErrno)
                }
            }
            let action = machine.readFinished(outcome)
            guard let bytes = received else {
                execute(action)
                return
            }
            if machine.canDeliver { eventHandler?(.received(bytes)) }
            // The read source is level-triggered: when OpenSSL holds nothing more, stop rather
            // than spend a read(2) per request learning EAGAIN; more bytes in the socket fire it again.
            if SSL_has_pending(ssl) == 0 { return }
        }
    }

    func scheduleRead() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !readScheduled else { return }
        readScheduled = true
        queue.async { [self] in
            readScheduled = false
            if machine.shouldRead { readAvailable() }
            updateInterest()
        }
    }

    /// Writes the outbound buffer until it is empty or the socket is full.
    func flush() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let ssl else { return }
        while machine.canWrite && !outbound.isEmpty {
            OpenSSLErrors.clear()
            var savedErrno: Int32 = 0
            let count = outbound.withFront(limit: Self.recordSize) { bytes -> Int32 in
                let result = SSL_write(ssl, bytes.baseAddress, Int32(bytes.count))
                savedErrno = errno
                return result
            }
            if count > 0 {
                outbound.consume(Int(count))
                _ = machine.writeFinished(.success)
                continue
            }
            let action = machine.writeFinished(TLSFailure.classify(ssl: ssl, result: count, savedErrno: savedErrno))
            if action == .none, deadlines[.write] == nil {
                setDeadline(.write, after: timeouts.write)
            }
            execute(action)
            return
        }
        guard outbound.isEmpty, machine.canWrite else { return }
        let ownerWrites = machine.state == .open || machine.state == .inputClosed
        let hadDeadline = deadlines[.write] != nil
        clearDeadline(.write)
        execute(machine.outboundDrained())
        if ownerWrites && hadDeadline && !writing && (machine.state == .open || machine.state == .inputClosed) {
            eventHandler?(.drained)
        }
    }

    func shutdownTLS() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let ssl else { return }
        OpenSSLErrors.clear()
        let result = SSL_shutdown(ssl)
        let savedErrno = errno
        let outcome: Machine.Outcome = result >= 0
            ? .success : TLSFailure.classify(ssl: ssl, result: result, savedErrno: savedErrno)
        execute(machine.shutdownFinished(outcome))
    }

    func linger() {
        dispatchPrecondition(condition: .onQueue(queue))
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        clearDeadline(.write)
        clearDeadline(.handshake)
        discardLingeringInput()  // what is already here: left unread, it would turn the close into a reset
        guard machine.state == .closing(.lingering) else { return }
        let action = machine.lingerDrained()
        if action == .none { setDeadline(.linger, after: timeouts.linger) }
        execute(action)
    }

    /// After our `close_notify`: read and drop raw bytes until EOF, an error, or too many.
    func discardLingeringInput() {
        dispatchPrecondition(condition: .onQueue(queue))
        while machine.state == .closing(.lingering) {
            let count = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.recordSize) { buffer in
                read(fd, buffer.baseAddress, buffer.count)
            }
            if count > 0 {
                lingerDiscarded += count
                if lingerDiscarded <= Self.lingerDiscardLimit { continue }
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else if count < 0 && errno == EINTR {
                continue
            }
            execute(machine.lingerInputEnded())
        }
    }

    /// Ends the connection: cancels timer and sources (the descriptor closes when both
    /// sources have confirmed cancellation) and tells the owner, once.
    func finish(_ reason: Machine.CloseReason, sendCloseNotify: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        if sendCloseNotify, let ssl {
            OpenSSLErrors.clear()
            _ = SSL_shutdown(ssl)
            OpenSSLErrors.clear()
        }
        deadlines.removeAll()
        ownerDeadline = nil
        timerSource?.cancel()
        timerSource = nil
        outbound.removeAll()
        cancelSources()
        let handler = eventHandler
        eventHandler = nil
        handler?(.closed(reason))
    }
}
