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
        XCTAssertTrue(machine.keepAliveAfterResponse(moreBuffered: false))
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
        XCTAssertFalse(request.keepAliveAfterResponse(moreBuffered: false))
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
        XCTAssertFalse(answering.keepAliveAfterResponse(moreBuffered: false), "the response carries Connection: close")
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

    // MARK: - The client's half-close (close_notify or FIN)

    func testHalfCloseWithNothingOrPartOfARequestCloses() {
        var first = idle()
        XCTAssertEqual(first.inputEnded(), .close, "no request at all")
        XCTAssertEqual(first.state, .closing)
        XCTAssertEqual(first.inputEnded(), .none, "only once")
        var head = idle()
        _ = head.bytesReceived()
        XCTAssertEqual(head.inputEnded(), .close, "a head cut off: nothing to answer")
        var body = idle()
        _ = body.bytesReceived()
        _ = body.headParsed(expectsContinue: false)
        XCTAssertEqual(body.inputEnded(), .close, "a body cut off: nothing to answer")
        var later = responding()
        _ = later.responseQueued(close: false)
        _ = later.outputDrained()
        XCTAssertEqual(later.inputEnded(), .close, "kept alive and idle")
        var handshaking = Machine()
        XCTAssertEqual(handshaking.inputEnded(), .close)
    }

    func testHalfCloseAfterACompleteRequestAnswersItThenCloses() {
        var machine = responding()
        XCTAssertEqual(machine.inputEnded(), .none, "the handler's answer is still owed")
        XCTAssertEqual(machine.state, .responding(keepAlive: true))
        XCTAssertTrue(machine.inputClosed)
        XCTAssertFalse(machine.keepAliveAfterResponse(moreBuffered: false), "nothing more can come: Connection: close")
        XCTAssertTrue(machine.keepAliveAfterResponse(moreBuffered: true), "pipelined requests are still to be answered")
        XCTAssertEqual(machine.awaitingInput(), .none, "not reading a request")
        _ = machine.responseQueued(close: true)
        XCTAssertEqual(machine.outputDrained(), .close)
    }

    func testHalfCloseWithPipelinedRequestsAnswersEachThenClosesWhenInputRunsOut() {
        var machine = responding()
        _ = machine.inputEnded()
        XCTAssertEqual(machine.responseQueued(close: false), .none, "more was buffered: no Connection: close")
        XCTAssertEqual(machine.outputDrained(), .readNext, "parse what was received before the half-close")
        XCTAssertEqual(machine.bytesReceived(), .parse)
        _ = machine.headParsed(expectsContinue: false)
        XCTAssertEqual(machine.messageParsed(keepAlive: true), .dispatch, "the next complete request is answered")
        _ = machine.responseQueued(close: false)
        XCTAssertEqual(machine.outputDrained(), .readNext)
        XCTAssertEqual(machine.awaitingInput(), .close, "nothing left and nothing can come")
        XCTAssertEqual(machine.state, .closing)
        var partial = responding()
        _ = partial.inputEnded()
        _ = partial.responseQueued(close: false)
        _ = partial.outputDrained()
        _ = partial.bytesReceived()
        XCTAssertEqual(partial.awaitingInput(), .close, "a pipelined request cut off by the half-close")
    }

    func testAwaitingInputBeforeAHalfCloseWaits() {
        var machine = idle()
        _ = machine.bytesReceived()
        XCTAssertEqual(machine.awaitingInput(), .none, "the rest of the request may still come")
        XCTAssertEqual(machine.state, .readingHead)
    }

    func testHalfCloseEndsAStream() {
        var streaming = responding()
        _ = streaming.streamStarted()
        XCTAssertEqual(streaming.inputEnded(), .finishStream)
        _ = streaming.streamFinished()
        XCTAssertEqual(streaming.outputDrained(), .readNext)
        XCTAssertEqual(streaming.awaitingInput(), .close)
        var starting = responding()
        _ = starting.inputEnded()
        XCTAssertEqual(starting.streamStarted(), .finishStream, "a stream started after the half-close ends at once")
    }

    func testHalfCloseWhileWritingAnErrorOrClosing() {
        var refused = idle()
        _ = refused.bytesReceived()
        _ = refused.parseFailed(HTTPProblem(status: 400, detail: "bad"))
        XCTAssertEqual(refused.inputEnded(), .none, "the error answer is written, then the close follows")
        XCTAssertEqual(refused.outputDrained(), .close)
        var closing = idle()
        _ = closing.shutdownRequested()
        XCTAssertEqual(closing.inputEnded(), .none)
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
