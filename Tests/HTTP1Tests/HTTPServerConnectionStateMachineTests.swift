@testable import HTTP1
import XCTest

/// Walks every transition of `HTTPServerConnectionStateMachine`.
final class HTTPServerConnectionStateMachineTests: XCTestCase {
    typealias Machine = HTTPServerConnectionStateMachine

    private func idle() -> Machine {
        var machine = Machine()
        XCTAssertEqual(machine.handshakeCompleted(), .none)
        return machine
    }

    private func responding(keepAlive: Bool = true) -> Machine {
        var machine = idle()
        _ = machine.bytesReceived()
        _ = machine.headParsed(expectsContinue: false)
        XCTAssertEqual(machine.messageParsed(keepAlive: keepAlive), .dispatch)
        return machine
    }

    func testHandshakeLeadsToIdleWithTheHeaderClock() {
        var machine = Machine()
        XCTAssertEqual(machine.state, .handshaking)
        XCTAssertNil(machine.timeout, "the TLS layer times the handshake")
        XCTAssertEqual(machine.bytesReceived(), .none, "no bytes are taken before the handshake")
        XCTAssertEqual(machine.handshakeCompleted(), .none)
        XCTAssertEqual(machine.state, .idle(first: true))
        XCTAssertEqual(machine.timeout, .header)
        XCTAssertEqual(machine.handshakeCompleted(), .none, "only once")
    }

    func testRequestPhasesAndTheirClocks() {
        var machine = idle()
        let idleEpoch = machine.timerEpoch
        XCTAssertEqual(machine.bytesReceived(), .parse)
        XCTAssertEqual(machine.state, .readingHead)
        XCTAssertEqual(machine.timeout, .header)
        XCTAssertGreaterThan(machine.timerEpoch, idleEpoch, "the header clock restarts at the first byte")
        let headEpoch = machine.timerEpoch
        XCTAssertEqual(machine.bytesReceived(), .parse)
        XCTAssertEqual(machine.timerEpoch, headEpoch, "more header bytes do not extend the header clock")
        XCTAssertTrue(machine.isReadingRequest)
        XCTAssertEqual(machine.headParsed(expectsContinue: true), .sendContinue)
        XCTAssertEqual(machine.state, .readingBody)
        XCTAssertEqual(machine.timeout, .body)
        XCTAssertEqual(machine.bytesReceived(), .parse)
        XCTAssertEqual(machine.messageParsed(keepAlive: true), .dispatch)
        XCTAssertEqual(machine.state, .responding(keepAlive: true))
        XCTAssertNil(machine.timeout)
        XCTAssertFalse(machine.isReadingRequest)
    }

    func testHeadWithoutExpectation() {
        var machine = idle()
        _ = machine.bytesReceived()
        XCTAssertEqual(machine.headParsed(expectsContinue: false), .none)
    }

    func testBytesDuringTheResponseAreOnlyBuffered() {
        var machine = responding()
        XCTAssertEqual(machine.bytesReceived(), .none, "pipelined bytes wait for the response")
        _ = machine.responseQueued(close: false)
        XCTAssertEqual(machine.bytesReceived(), .none)
    }

    func testKeepAliveResponseReturnsToIdle() {
        var machine = responding()
        XCTAssertTrue(machine.keepAliveAfterResponse)
        XCTAssertEqual(machine.responseQueued(close: false), .none)
        XCTAssertEqual(machine.state, .writing(keepAlive: true))
        XCTAssertEqual(machine.outputDrained(), .readNext)
        XCTAssertEqual(machine.state, .idle(first: false))
        XCTAssertEqual(machine.timeout, .idle)
    }

    func testClosingResponses() {
        var asked = responding()
        _ = asked.responseQueued(close: true)
        XCTAssertEqual(asked.outputDrained(), .close)
        XCTAssertEqual(asked.state, .closing)
        var request = responding(keepAlive: false)
        XCTAssertFalse(request.keepAliveAfterResponse)
        _ = request.responseQueued(close: false)
        XCTAssertEqual(request.outputDrained(), .close)
    }

    func testStreamingResponse() {
        var machine = responding()
        XCTAssertEqual(machine.streamStarted(), .none)
        XCTAssertEqual(machine.state, .streaming(keepAlive: true))
        XCTAssertEqual(machine.outputDrained(), .none, "a drained stream stays open")
        XCTAssertEqual(machine.responseQueued(close: false), .none, "no second answer")
        XCTAssertEqual(machine.streamFinished(), .none)
        XCTAssertEqual(machine.state, .writing(keepAlive: true))
        XCTAssertEqual(machine.outputDrained(), .readNext)
    }

    func testParseErrorsAnswerAndClose() {
        var machine = idle()
        _ = machine.bytesReceived()
        let problem = HTTPProblem(status: 431, detail: "too big")
        XCTAssertEqual(machine.parseFailed(problem), .sendError(problem))
        XCTAssertEqual(machine.state, .writing(keepAlive: false))
        XCTAssertEqual(machine.outputDrained(), .close)
        var body = idle()
        _ = body.bytesReceived()
        _ = body.headParsed(expectsContinue: false)
        XCTAssertEqual(body.parseFailed(problem), .sendError(problem))
        var notReading = responding()
        XCTAssertEqual(notReading.parseFailed(problem), .none)
    }

    func testTimeouts() {
        var idleFirst = idle()
        XCTAssertEqual(idleFirst.timerFired(), .close, "nothing sent at all: close quietly")
        var idleLater = responding()
        _ = idleLater.responseQueued(close: false)
        _ = idleLater.outputDrained()
        XCTAssertEqual(idleLater.timerFired(), .close, "keep-alive idle timeout closes quietly")
        var head = idle()
        _ = head.bytesReceived()
        guard case .sendError(let slowHead) = head.timerFired() else { return XCTFail("expected 408") }
        XCTAssertEqual(slowHead.status, 408)
        XCTAssertEqual(head.state, .writing(keepAlive: false))
        var body = idle()
        _ = body.bytesReceived()
        _ = body.headParsed(expectsContinue: false)
        guard case .sendError(let slowBody) = body.timerFired() else { return XCTFail("expected 408") }
        XCTAssertTrue(slowBody.detail.contains("body"))
        var busy = responding()
        XCTAssertEqual(busy.timerFired(), .none, "no clock runs while the handler works")
    }

    func testShutdownClosesIdleConnections() {
        var machine = idle()
        XCTAssertEqual(machine.shutdownRequested(), .close)
        XCTAssertEqual(machine.state, .closing)
        XCTAssertEqual(machine.shutdownRequested(), .none, "only once")
    }

    func testShutdownLetsTheCurrentRequestFinishThenCloses() {
        var reading = idle()
        _ = reading.bytesReceived()
        XCTAssertEqual(reading.shutdownRequested(), .none)
        _ = reading.headParsed(expectsContinue: false)
        XCTAssertEqual(reading.messageParsed(keepAlive: true), .dispatch)
        XCTAssertEqual(reading.state, .responding(keepAlive: false))
        var answering = responding()
        XCTAssertEqual(answering.shutdownRequested(), .none)
        XCTAssertFalse(answering.keepAliveAfterResponse, "the response carries Connection: close")
        _ = answering.responseQueued(close: false)
        XCTAssertEqual(answering.outputDrained(), .close)
    }

    func testShutdownEndsStreams() {
        var streaming = responding()
        _ = streaming.streamStarted()
        XCTAssertEqual(streaming.shutdownRequested(), .finishStream)
        _ = streaming.streamFinished()
        XCTAssertEqual(streaming.outputDrained(), .close)
        var starting = responding()
        _ = starting.shutdownRequested()
        XCTAssertEqual(starting.streamStarted(), .finishStream, "a stream started during shutdown ends at once")
    }

    func testShutdownDuringHandshake() {
        var machine = Machine()
        _ = machine.shutdownRequested()
        XCTAssertEqual(machine.handshakeCompleted(), .close)
    }

    func testConnectionClosedFromAnyState() {
        var machine = responding()
        machine.connectionClosed()
        XCTAssertEqual(machine.state, .closed)
        XCTAssertEqual(machine.responseQueued(close: false), .none)
        XCTAssertEqual(machine.outputDrained(), .none)
        XCTAssertEqual(machine.timerFired(), .none)
        XCTAssertEqual(machine.bytesReceived(), .none)
    }
}
