import COpenSSL
import Dispatch

/// The Dispatch side of a connection: read and write sources switched on and off to
/// match the state machine's interest, their cancellation (the descriptor is closed once,
/// after both have confirmed), and the one timer that serves every deadline.
///
/// A suspended source is always resumed before it is cancelled: a source left suspended
/// never runs its cancel handler, and releasing it crashes libdispatch.
extension TLSConnection {
    func updateInterest() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard machine.state != .closed, machine.state != .idle else { return }
        let interest = machine.interest
        if let source = readSource {
            if interest.readable && readSuspended {
                readSuspended = false
                source.resume()
            } else if !interest.readable && !readSuspended {
                readSuspended = true
                source.suspend()
            }
        }
        if interest.writable {
            if let source = writeSource {
                if writeSuspended {
                    writeSuspended = false
                    source.resume()
                }
            } else {
                let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
                source.setEventHandler { [self] in socketWritable() }
                source.setCancelHandler { [self] in sourceCancelled() }
                liveSources += 1
                writeSource = source
                source.resume()
            }
        } else if let source = writeSource, !writeSuspended {
            writeSuspended = true
            source.suspend()
        }
    }

    /// Cancels both sources; a suspended source is resumed first (releasing or leaving
    /// a suspended source cancelled-but-suspended would never run its cancel handler).
    func cancelSources() {
        dispatchPrecondition(condition: .onQueue(queue))
        if let source = readSource {
            if readSuspended {
                readSuspended = false
                source.resume()
            }
            source.cancel()
        }
        if let source = writeSource {
            if writeSuspended {
                writeSuspended = false
                source.resume()
            }
            source.cancel()
        }
        if liveSources == 0 { closeDescriptor() }
    }

    func sourceCancelled() {
        dispatchPrecondition(condition: .onQueue(queue))
        liveSources -= 1
        guard liveSources == 0 else { return }
        closeDescriptor()
        readSource = nil
        writeSource = nil
    }

    func closeDescriptor() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !descriptorClosed else { return }
        descriptorClosed = true
        Socket.close(fd)
        if let ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
    }

    func setDeadline(_ deadline: Machine.Deadline, after seconds: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        deadlines[deadline] = .now() + seconds
        rescheduleTimer()
    }

    func clearDeadline(_ deadline: Machine.Deadline) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard deadlines.removeValue(forKey: deadline) != nil else { return }
        rescheduleTimer()
    }

    /// Arms the timer for the earliest deadline, lazily: a deadline that moves *later* (every
    /// request pushes the idle and header deadlines forward) leaves the timer where it is;
    /// when it fires early, `timerFired` finds nothing due and re-arms it once. Re-arming a
    /// Dispatch timer costs a write to libdispatch's manager thread, so doing it on every read
    /// was a measurable share of a keep-alive request.
    func rescheduleTimer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let timer = timerSource else { return }
        var earliest = ownerDeadline
        for due in deadlines.values where earliest.map({ due < $0 }) ?? true {
            earliest = due
        }
        guard let earliest else { return }  // nothing due: an armed timer just fires and finds nothing
        if let armed = armedDeadline, armed <= earliest { return }
        armedDeadline = earliest
        timer.schedule(deadline: earliest, leeway: .milliseconds(20))
    }
}
