import TLSTransport
import XCTest

/// Walks every transition of `TLSConnectionStateMachine`, without sockets.
final class TLSConnectionStateMachineTests: XCTestCase {
    typealias Machine = TLSConnectionStateMachine
    let broken = TLSFailure(.protocolViolation, "wrong version number")

    private func openMachine() -> Machine {
        var machine = Machine()
        XCTAssertEqual(machine.start(), .performHandshake)
        XCTAssertEqual(machine.handshakeFinished(.success), .handshakeCompleted)
        XCTAssertEqual(machine.state, .open)
        return machine
    }

    func testIdleStartsHandshakeOnce() {
        var machine = Machine()
        XCTAssertEqual(machine.state, .idle)
        XCTAssertFalse(machine.interest.readable || machine.interest.writable)
        XCTAssertEqual(machine.start(), .performHandshake)
        XCTAssertEqual(machine.state, .handshaking)
        XCTAssertEqual(machine.start(), .none, "a second start does nothing")
    }

    func testHandshakeWaitsForWhatOpenSSLWants() {
        var machine = Machine()
        _ = machine.start()
        XCTAssertEqual(machine.handshakeFinished(.wantRead), .none)
        XCTAssertTrue(machine.interest == (true, false))
        XCTAssertEqual(machine.handshakeFinished(.wantWrite), .none)
        XCTAssertTrue(machine.interest == (false, true))
        XCTAssertEqual(machine.state, .handshaking)
        XCTAssertEqual(machine.handshakeFinished(.success), .handshakeCompleted)
        XCTAssertEqual(machine.state, .open)
        XCTAssertTrue(machine.interest == (true, false), "open: read, no pending write")
    }

    func testRefusedHandshakeLingersSoThePeerReadsTheAlert() {
        var machine = Machine()
        _ = machine.start()
        XCTAssertEqual(machine.handshakeFinished(.failure(broken)), .linger, "no SSL_shutdown, but no reset either")
        XCTAssertEqual(machine.state, .closing(.lingering))
        XCTAssertTrue(machine.interest == (true, false))
        XCTAssertEqual(machine.lingerInputEnded(), .close(.failed(broken), sendCloseNotify: false),
                       "the owner learns the real reason when the linger ends")
        XCTAssertEqual(machine.state, .closed)
        XCTAssertEqual(machine.handshakeFinished(.success), .none, "nothing after closed")
        var timed = Machine()
        _ = timed.start()
        let rejected = TLSFailure(.peerCertificateRejected, "certificate has expired")
        XCTAssertEqual(timed.handshakeFinished(.failure(rejected)), .linger)
        XCTAssertEqual(timed.deadlinePassed(.linger), .close(.failed(rejected), sendCloseNotify: false))
    }

    func testOtherHandshakeFailuresCloseAtOnce() {
        var machine = Machine()
        _ = machine.start()
        let reset = TLSFailure(.connectionClosed, "connection reset by peer")
        XCTAssertEqual(machine.handshakeFinished(.failure(reset)), .close(.failed(reset), sendCloseNotify: false))
        XCTAssertEqual(machine.state, .closed)
        var alerted = Machine()
        _ = alerted.start()
        let alert = TLSFailure(.alertReceived, "unknown ca")
        XCTAssertEqual(alerted.handshakeFinished(.failure(alert)), .close(.failed(alert), sendCloseNotify: false),
                       "the peer refused us: it is not waiting for an alert")
    }

    func testPeerCloseDuringHandshakeIsAFailure() {
        var machine = Machine()
        _ = machine.start()
        guard case .close(.failed(let failure), sendCloseNotify: false) = machine.handshakeFinished(.closeNotify) else {
            return XCTFail("expected a failed close")
        }
        XCTAssertEqual(failure.kind, .connectionClosed)
    }

    func testHandshakeDeadline() {
        var machine = Machine()
        _ = machine.start()
        XCTAssertEqual(machine.deadlinePassed(.write), .none, "write deadline means nothing while handshaking")
        XCTAssertEqual(machine.deadlinePassed(.linger), .none)
        guard case .close(.failed(let failure), sendCloseNotify: false) = machine.deadlinePassed(.handshake) else {
            return XCTFail("expected a timeout close")
        }
        XCTAssertEqual(failure.kind, .timedOut)
        XCTAssertEqual(machine.state, .closed)
    }

    func testHandshakeDeadlineIgnoredOnceOpen() {
        var machine = openMachine()
        XCTAssertEqual(machine.deadlinePassed(.handshake), .none)
        XCTAssertEqual(machine.state, .open)
    }

    func testCloseDuringHandshakeDropsWithoutAlert() {
        var machine = Machine()
        _ = machine.start()
        XCTAssertEqual(machine.closeRequested(outboundEmpty: true), .close(.local, sendCloseNotify: false))
        XCTAssertEqual(machine.state, .closed)
    }

    func testCloseBeforeStart() {
        var machine = Machine()
        XCTAssertEqual(machine.closeRequested(outboundEmpty: true), .close(.local, sendCloseNotify: false))
        XCTAssertEqual(machine.start(), .none)
    }

    func testReadOutcomes() {
        var machine = openMachine()
        XCTAssertEqual(machine.readFinished(.success), .none)
        XCTAssertEqual(machine.readFinished(.wantWrite), .none)
        XCTAssertEqual(machine.readWaitsFor, .writable)
        XCTAssertTrue(machine.interest == (false, true), "a read blocked on write watches writability")
        XCTAssertEqual(machine.readFinished(.wantRead), .none)
        XCTAssertTrue(machine.interest == (true, false))
    }

    /// RFC 8446 §6.1: the peer's close_notify (or a FIN, on a server) ends its direction only.
    func testPeerCloseNotifyClosesOnlyTheInput() {
        var machine = openMachine()
        XCTAssertEqual(machine.readFinished(.closeNotify), .inputClosed, "the owner is told, nothing is closed yet")
        XCTAssertEqual(machine.state, .inputClosed)
        XCTAssertFalse(machine.shouldRead, "nothing more to read")
        XCTAssertFalse(machine.canDeliver)
        XCTAssertTrue(machine.canWrite, "the answer can still be written")
        XCTAssertTrue(machine.interest == (false, false), "no write pending: watch nothing (EOF stays readable)")
        XCTAssertEqual(machine.readFinished(.closeNotify), .none, "reported once")
        XCTAssertEqual(machine.readFinished(.success), .none, "no reads after the peer's end")
        machine.resumeReading()
        XCTAssertFalse(machine.shouldRead, "resuming does not read past the end")
        XCTAssertEqual(machine.deadlinePassed(.handshake), .none)
    }

    func testWritesAfterTheInputClosed() {
        var machine = openMachine()
        _ = machine.readFinished(.closeNotify)
        XCTAssertEqual(machine.writeFinished(.wantWrite), .none)
        XCTAssertTrue(machine.interest == (false, true), "a blocked write watches writability only")
        XCTAssertEqual(machine.writeFinished(.wantRead), .none)
        XCTAssertTrue(machine.interest == (true, false), "a write blocked on read still watches reads")
        XCTAssertEqual(machine.writeFinished(.success), .none)
        XCTAssertEqual(machine.outboundDrained(), .none, "drained while input-closed changes nothing")
        XCTAssertEqual(machine.state, .inputClosed)
        var failing = openMachine()
        _ = failing.readFinished(.closeNotify)
        XCTAssertEqual(failing.writeFinished(.failure(broken)), .close(.failed(broken), sendCloseNotify: false),
                       "a peer that went away entirely: no SSL_shutdown")
        var stuck = openMachine()
        _ = stuck.readFinished(.closeNotify)
        _ = stuck.writeFinished(.wantWrite)
        guard case .close(.failed(let failure), sendCloseNotify: false) = stuck.deadlinePassed(.write) else {
            return XCTFail("a peer that stopped reading times out")
        }
        XCTAssertEqual(failure.kind, .timedOut)
        var aborted = openMachine()
        _ = aborted.readFinished(.closeNotify)
        XCTAssertEqual(aborted.abortRequested(), .close(.local, sendCloseNotify: false))
    }

    func testCloseAfterTheInputClosedIsOrderly() {
        var empty = openMachine()
        _ = empty.readFinished(.closeNotify)
        XCTAssertEqual(empty.closeRequested(outboundEmpty: true), .performShutdown)
        XCTAssertEqual(empty.state, .closing(.notifying))
        XCTAssertEqual(empty.shutdownFinished(.success), .linger)
        XCTAssertEqual(empty.lingerInputEnded(), .close(.local, sendCloseNotify: false))
        var pending = openMachine()
        _ = pending.readFinished(.closeNotify)
        _ = pending.writeFinished(.wantWrite)
        XCTAssertEqual(pending.closeRequested(outboundEmpty: false), .none)
        XCTAssertEqual(pending.state, .closing(.flushing))
        XCTAssertFalse(pending.shouldRead, "flushing does not read past the peer's end")
        XCTAssertTrue(pending.interest == (false, true))
        XCTAssertEqual(pending.outboundDrained(), .performShutdown)
    }

    /// Our response is still being flushed for a close when the peer's close_notify arrives:
    /// the rest of the response still goes out, then our close_notify.
    func testPeerCloseNotifyWhileFlushingKeepsFlushing() {
        var machine = openMachine()
        _ = machine.writeFinished(.wantWrite)
        _ = machine.closeRequested(outboundEmpty: false)
        XCTAssertEqual(machine.readFinished(.closeNotify), .none)
        XCTAssertEqual(machine.state, .closing(.flushing))
        XCTAssertFalse(machine.shouldRead)
        XCTAssertTrue(machine.canWrite)
        XCTAssertTrue(machine.interest == (false, true))
        XCTAssertEqual(machine.readFinished(.closeNotify), .none)
        XCTAssertEqual(machine.writeFinished(.success), .none)
        XCTAssertEqual(machine.outboundDrained(), .performShutdown)
    }

    func testReadFailureNeverShutsDown() {
        var machine = openMachine()
        XCTAssertEqual(machine.readFinished(.failure(broken)), .close(.failed(broken), sendCloseNotify: false))
    }

    func testWriteOutcomes() {
        var machine = openMachine()
        XCTAssertEqual(machine.writeFinished(.wantWrite), .none)
        XCTAssertEqual(machine.writeWait, .writable)
        XCTAssertTrue(machine.interest == (true, true))
        XCTAssertEqual(machine.writeFinished(.wantRead), .none)
        XCTAssertEqual(machine.writeWait, .readable)
        XCTAssertTrue(machine.interest == (true, false))
        XCTAssertEqual(machine.writeFinished(.success), .none)
        XCTAssertNil(machine.writeWait)
        XCTAssertEqual(machine.outboundDrained(), .none, "drained while open changes nothing")
        XCTAssertEqual(machine.state, .open)
    }

    func testWriteFailureAndPeerClose() {
        var machine = openMachine()
        XCTAssertEqual(machine.writeFinished(.failure(broken)), .close(.failed(broken), sendCloseNotify: false))
        var other = openMachine()
        XCTAssertEqual(other.writeFinished(.closeNotify), .close(.peerClosed, sendCloseNotify: false))
    }

    func testWriteDeadline() {
        var machine = openMachine()
        _ = machine.writeFinished(.wantWrite)
        guard case .close(.failed(let failure), sendCloseNotify: false) = machine.deadlinePassed(.write) else {
            return XCTFail("expected a timeout close")
        }
        XCTAssertEqual(failure.kind, .timedOut)
    }

    func testPausedReadingStopsWatchingReads() {
        var machine = openMachine()
        machine.pauseReading()
        XCTAssertFalse(machine.canDeliver)
        XCTAssertFalse(machine.shouldRead)
        XCTAssertTrue(machine.interest == (false, false))
        _ = machine.writeFinished(.wantRead)
        XCTAssertTrue(machine.interest == (true, false), "a write blocked on read still needs reads")
        machine.resumeReading()
        XCTAssertTrue(machine.canDeliver)
    }

    func testOrderlyCloseWithEmptyBuffer() {
        var machine = openMachine()
        XCTAssertEqual(machine.closeRequested(outboundEmpty: true), .performShutdown)
        XCTAssertEqual(machine.state, .closing(.notifying))
        XCTAssertTrue(machine.interest == (false, true))
        XCTAssertEqual(machine.closeRequested(outboundEmpty: true), .none, "a second close does nothing")
        XCTAssertEqual(machine.shutdownFinished(.success), .linger)
        XCTAssertEqual(machine.state, .closing(.lingering))
        XCTAssertTrue(machine.interest == (true, false), "lingering reads to discard")
        XCTAssertEqual(machine.lingerInputEnded(), .close(.local, sendCloseNotify: false))
        XCTAssertEqual(machine.state, .closed)
    }

    /// A peer that asked to close after a complete request sends nothing more that matters:
    /// once what is already in the socket is discarded, the close does not wait for its FIN.
    /// Any other close keeps lingering, so late input cannot turn it into a reset.
    func testCloseAfterThePeerFinishedDoesNotLinger() {
        var finished = openMachine()
        XCTAssertEqual(finished.closeRequested(outboundEmpty: true, peerFinished: true), .performShutdown)
        XCTAssertEqual(finished.shutdownFinished(.success), .linger, "close_notify and the half-close still happen")
        XCTAssertEqual(finished.lingerDrained(), .close(.local, sendCloseNotify: false))
        XCTAssertEqual(finished.state, .closed)
        XCTAssertEqual(finished.lingerDrained(), .none, "nothing after closed")

        var other = openMachine()
        _ = other.closeRequested(outboundEmpty: true)
        _ = other.shutdownFinished(.success)
        XCTAssertEqual(other.lingerDrained(), .none, "without the owner's word the close lingers")
        XCTAssertEqual(other.state, .closing(.lingering))

        var refused = Machine()
        _ = refused.start()
        _ = refused.handshakeFinished(.failure(broken))
        XCTAssertEqual(refused.lingerDrained(), .none, "a refused handshake lingers so the peer reads the alert")
    }

    func testOrderlyCloseFlushesFirst() {
        var machine = openMachine()
        _ = machine.writeFinished(.wantWrite)
        XCTAssertEqual(machine.closeRequested(outboundEmpty: false), .none)
        XCTAssertEqual(machine.state, .closing(.flushing))
        XCTAssertTrue(machine.canWrite)
        XCTAssertTrue(machine.shouldRead, "input is still read (and discarded) while flushing")
        XCTAssertFalse(machine.canDeliver)
        XCTAssertTrue(machine.interest == (true, true))
        XCTAssertEqual(machine.readFinished(.success), .none)
        XCTAssertEqual(machine.writeFinished(.success), .none)
        XCTAssertEqual(machine.outboundDrained(), .performShutdown)
        XCTAssertEqual(machine.state, .closing(.notifying))
    }

    func testFlushingFailures() {
        var machine = openMachine()
        _ = machine.closeRequested(outboundEmpty: false)
        XCTAssertEqual(machine.readFinished(.failure(broken)), .close(.failed(broken), sendCloseNotify: false))
        var timed = openMachine()
        _ = timed.closeRequested(outboundEmpty: false)
        guard case .close(.failed, sendCloseNotify: false) = timed.deadlinePassed(.write) else {
            return XCTFail("a stuck flush times out")
        }
    }

    func testShutdownOutcomes() {
        var machine = openMachine()
        _ = machine.closeRequested(outboundEmpty: true)
        XCTAssertEqual(machine.shutdownFinished(.wantWrite), .none)
        XCTAssertEqual(machine.state, .closing(.notifying))
        XCTAssertEqual(machine.shutdownFinished(.wantRead), .linger, "we never wait for the peer's close_notify")
        var failing = openMachine()
        _ = failing.closeRequested(outboundEmpty: true)
        XCTAssertEqual(failing.shutdownFinished(.failure(broken)), .close(.failed(broken), sendCloseNotify: false))
        var answered = openMachine()
        _ = answered.closeRequested(outboundEmpty: true)
        XCTAssertEqual(answered.shutdownFinished(.closeNotify), .linger)
    }

    func testLingerDeadline() {
        var machine = openMachine()
        _ = machine.closeRequested(outboundEmpty: true)
        _ = machine.shutdownFinished(.success)
        XCTAssertEqual(machine.deadlinePassed(.handshake), .none)
        XCTAssertEqual(machine.deadlinePassed(.linger), .close(.local, sendCloseNotify: false))
        XCTAssertEqual(machine.lingerInputEnded(), .none, "nothing after closed")
    }

    func testAbortFromEveryState() {
        var idle = Machine()
        XCTAssertEqual(idle.abortRequested(), .close(.local, sendCloseNotify: false))
        var handshaking = Machine()
        _ = handshaking.start()
        XCTAssertEqual(handshaking.abortRequested(broken), .close(.failed(broken), sendCloseNotify: false))
        var open = openMachine()
        XCTAssertEqual(open.abortRequested(), .close(.local, sendCloseNotify: false))
        XCTAssertEqual(open.abortRequested(), .none, "abort after closed does nothing")
        var lingering = openMachine()
        _ = lingering.closeRequested(outboundEmpty: true)
        _ = lingering.shutdownFinished(.success)
        XCTAssertEqual(lingering.abortRequested(), .close(.local, sendCloseNotify: false))
    }

    func testInputsOutOfPhaseAreIgnored() {
        var machine = Machine()
        XCTAssertEqual(machine.readFinished(.success), .none)
        XCTAssertEqual(machine.writeFinished(.success), .none)
        XCTAssertEqual(machine.shutdownFinished(.success), .none)
        XCTAssertEqual(machine.lingerInputEnded(), .none)
        XCTAssertEqual(machine.handshakeFinished(.success), .none)
        XCTAssertEqual(machine.state, .idle)
        var open = openMachine()
        XCTAssertEqual(open.shutdownFinished(.success), .none)
        XCTAssertEqual(open.lingerInputEnded(), .none)
        XCTAssertEqual(open.state, .open)
    }
}
