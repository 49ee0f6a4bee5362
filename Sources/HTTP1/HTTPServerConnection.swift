import Dispatch
import TLSTransport

/// One accepted connection of an `HTTPServer`: TLS events in, parsed requests to the
/// handler, responses and streams out, under the limits and timeouts of `HTTPLimits`.
///
/// The lifecycle decisions are `HTTPServerConnectionStateMachine`'s and the framing is
/// `HTTPRequestParser`'s; this type wires them to the `TLSConnection` and to the
/// handler's `HTTPResponder` / `HTTPStream`, which reach it from any thread by hopping
/// onto `queue`.
final class HTTPServerConnection: @unchecked Sendable {
    // Confined to `queue` (the TLS connection's queue) after `start()`.

    /// The connection's serial queue.
    let queue: DispatchQueue
    private let tls: TLSConnection
    private let core: HTTPServerCore
    private var machine = HTTPServerConnectionStateMachine()
    private var parser: HTTPRequestParser
    private var peer: PeerIdentity?
    private var sequence: UInt64 = 0
    private var answeringHead = false
    /// The request being answered was complete and asked to close the connection: after
    /// the response the client sends nothing more that matters, so the close need not linger.
    private var clientFinished = false
    private var stream: HTTPStream?
    private var readingPaused = false
    private var armedEpoch = -1
    /// Whether the TLS connection's owner timer is set (so a phase without a timeout disarms it once).
    private var timerArmed = false

    /// Bytes buffered beyond the request being answered before reading pauses.
    private static let readAheadLimit = 64 * 1024

    /// Wraps an accepted TLS connection; call `start()` next.
    init(tls: TLSConnection, core: HTTPServerCore) {
        self.tls = tls
        self.queue = tls.queue
        self.core = core
        self.parser = HTTPRequestParser(maxHeaderBytes: core.limits.maxHeaderBytes,
                                        maxBodyBytes: core.limits.maxBodyBytes)
    }

    /// Starts the handshake. Callable from any thread.
    func start() {
        queue.async { [self] in
            tls.eventHandler = { [self] event in handle(event) }
            tls.start()
        }
    }

    /// The server is shutting down: finish the current request, close when idle.
    func beginShutdown() {
        dispatchPrecondition(condition: .onQueue(queue))
        apply(machine.shutdownRequested())
    }

    /// Drops the connection now (shutdown deadline passed).
    func abort() {
        dispatchPrecondition(condition: .onQueue(queue))
        tls.abort()
    }

    // MARK: - TLS events

    private func handle(_ event: TLSConnection.Event) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch event {
        case .handshakeCompleted(let identity):
            peer = identity
            apply(machine.handshakeCompleted())
        case .received(let bytes):
            received(bytes)
        case .inputClosed:
            apply(machine.inputEnded())
        case .drained:
            apply(machine.outputDrained())
        case .timer:
            if machine.timeout != nil { core.count(\.timeouts) }
            apply(machine.timerFired())
        case .closed(let reason):
            closed(reason)
        }
    }

    private func received(_ bytes: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch machine.state {
        case .closing, .closed, .handshaking:
            return
        case .writing(keepAlive: false):
            return // the request was refused; what follows is never parsed
        default:
            break
        }
        parser.append(bytes)
        apply(machine.bytesReceived())
        if !machine.isReadingRequest && parser.bufferedByteCount > Self.readAheadLimit && !readingPaused {
            readingPaused = true
            tls.pauseReading()
        }
    }

    private func closed(_ reason: TLSConnectionStateMachine.CloseReason) {
        dispatchPrecondition(condition: .onQueue(queue))
        if case .failed(let failure) = reason {
            if peer == nil {
                core.handshakeFailed(remoteAddress: tls.remoteAddress, failure: failure)
            } else if failure.kind == .timedOut {
                // A client that stopped reading (write timeout): say so, as for an overfull stream.
                core.count(\.timeouts)
                core.log("closing connection to \(tls.remoteAddress) (\(peer!.commonName)): \(failure)")
            }
        }
        machine.connectionClosed()
        let open = stream
        stream = nil
        open?.markClosed()
        core.connectionClosed(self)
    }

    // MARK: - Actions

    private func apply(_ action: HTTPServerConnectionStateMachine.Action) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch action {
        case .none, .dispatch:
            break
        case .parse:
            parse()
        case .sendContinue:
            tls.write(HTTPResponseEncoder.continueResponse)
        case .sendError(let problem):
            core.count(\.protocolErrors)
            send(HTTPResponseEncoder.encode(problem.response, headOnly: false, close: true))
        case .close:
            tls.close(peerFinished: clientFinished && parser.bufferedByteCount == 0)
        case .readNext:
            if readingPaused {
                readingPaused = false
                tls.resumeReading()
            }
            if parser.bufferedByteCount > 0 {
                apply(machine.bytesReceived())
            } else {
                apply(machine.awaitingInput())
            }
        case .finishStream:
            if let open = stream { finishStream(open) }
        }
        rearmTimer()
    }

    /// Sets the TLS connection's timer for the phase's timeout when a phase with one begins
    /// (a new `timerEpoch`), and clears it once when a phase without one begins: called after
    /// every action, it touches the timer only when that changes (it was five times a request).
    private func rearmTimer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let timeout = machine.timeout else {
            if timerArmed {
                timerArmed = false
                tls.setTimer(after: nil)
            }
            return
        }
        guard machine.timerEpoch != armedEpoch else { return }
        armedEpoch = machine.timerEpoch
        timerArmed = true
        let limits = core.limits
        switch timeout {
        case .header: tls.setTimer(after: limits.headerTimeout)
        case .body: tls.setTimer(after: limits.bodyTimeout)
        case .idle: tls.setTimer(after: limits.idleTimeout)
        }
    }

    private func parse() {
        dispatchPrecondition(condition: .onQueue(queue))
        while machine.isReadingRequest {
            switch parser.next() {
            case .needMoreData:
                apply(machine.awaitingInput())
                return
            case .head(let head):
                apply(machine.headParsed(expectsContinue: head.expectsContinue && head.contentLength > 0))
            case .message(let head, let body):
                _ = machine.messageParsed(keepAlive: head.keepAlive)
                rearmTimer()
                parser.prepareForNextRequest()
                dispatch(head, body)
                return
            case .error(let problem):
                apply(machine.parseFailed(problem))
                return
            }
        }
    }

    /// Writes bytes that complete a response and moves on once they reached the socket.
    private func send(_ bytes: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        tls.write(bytes)
        if tls.pendingOutboundBytes == 0 { apply(machine.outputDrained()) }
    }

    private func dispatch(_ head: HTTPRequestHead, _ body: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let peer else { return }
        sequence += 1
        answeringHead = head.method == "HEAD"
        clientFinished = !head.keepAlive
        core.count(\.requestsTotal)
        let request = HTTPRequest(method: head.method, path: head.target.path, query: head.target.query,
                                  headers: head.headers, body: body, peer: peer, remoteAddress: tls.remoteAddress)
        core.handler(request, HTTPResponder(connection: self, sequence: sequence))
    }

    // MARK: - Called by HTTPResponder and HTTPStream (on `queue`)

    private func isCurrent(_ requestSequence: UInt64) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard requestSequence == sequence, case .responding = machine.state else { return false }
        return true
    }

    /// Writes the handler's response to request `requestSequence`.
    func respond(_ response: HTTPResponse, sequence requestSequence: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard isCurrent(requestSequence) else { return }
        let close = !machine.keepAliveAfterResponse(moreBuffered: parser.bufferedByteCount > 0)
            || HTTPResponseEncoder.asksToClose(response.headers)
        let bytes = HTTPResponseEncoder.encode(response, headOnly: answeringHead, close: close)
        apply(machine.responseQueued(close: close))
        send(bytes)
    }

    /// The responder of request `requestSequence` went away without answering: 500.
    func responderAbandoned(sequence requestSequence: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard isCurrent(requestSequence) else { return }
        core.count(\.protocolErrors)
        let problem = HTTPProblem(status: 500, detail: "the request handler finished without a response")
        apply(machine.responseQueued(close: true))
        send(HTTPResponseEncoder.encode(problem.response, headOnly: answeringHead, close: true))
    }

    /// Starts a chunked response to request `requestSequence`, fed through `stream`.
    func startStream(status: Int, headers: HTTPHeaders, stream newStream: HTTPStream, sequence requestSequence: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard isCurrent(requestSequence) else {
            newStream.markClosed()
            return
        }
        if answeringHead || HTTPStatus.forbidsBody(status) {
            // No body may follow: answer with the head alone and end the stream.
            respond(HTTPResponse(status: status, headers: headers), sequence: requestSequence)
            newStream.markClosed()
            return
        }
        let close = !machine.keepAliveAfterResponse(moreBuffered: parser.bufferedByteCount > 0)
        tls.write(HTTPResponseEncoder.streamHead(status: status, headers: headers, close: close))
        stream = newStream
        apply(machine.streamStarted())
    }

    /// Sends one chunk of `source`'s body; drops the connection if the client has let
    /// more than `maxBufferedStreamBytes` pile up.
    func streamSend(_ bytes: [UInt8], from source: HTTPStream) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard stream === source, case .streaming = machine.state else { return }
        tls.write(HTTPResponseEncoder.chunk(bytes))
        if tls.pendingOutboundBytes > core.limits.maxBufferedStreamBytes {
            core.log("closing stream to \(tls.remoteAddress): client is not reading "
                     + "(\(tls.pendingOutboundBytes) bytes waiting)")
            tls.abort()
        }
    }

    /// Ends `source`'s body with the last chunk.
    func streamFinish(_ source: HTTPStream) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard stream === source else { return }
        finishStream(source)
    }

    private func finishStream(_ source: HTTPStream) {
        dispatchPrecondition(condition: .onQueue(queue))
        stream = nil
        apply(machine.streamFinished())
        source.markClosed()
        send(HTTPResponseEncoder.lastChunk)
    }
}
