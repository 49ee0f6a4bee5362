/// The request lifecycle of one server connection, as a plain value: which phase it is
/// in, which timeout runs, when the next pipelined request may be parsed, and when the
/// connection closes.
///
/// `HTTPServerConnection` reports what happened (bytes arrived, the parser found a head,
/// the handler responded, the output drained, the timer fired, the server is shutting
/// down) and performs the returned action. Requests are strictly sequential: the next
/// one is parsed only after the current response has been fully written, so pipelined
/// requests are answered in order and a client that does not read its responses cannot
/// make the server buffer more than one of them.
///
/// ```
/// handshaking → idle ─byte→ readingHead ─head→ readingBody ─message→ responding
///                 ▲                                                   │ respond / stream…finish
///                 └────────── drained, keep-alive ──────────── writing ◀┘
/// any parse error → writing(no keep-alive) → closing;  idle timeout → closing;
/// header/body timeout → 408 → closing
/// ```
///
/// **The client's half-close** (`close_notify` or FIN: it will send nothing more, but
/// reads on, RFC 8446 §6.1). Requests already complete are answered — the one being
/// handled and any pipelined behind it — and the connection closes once the parser needs
/// bytes that can no longer come; the last response carries `Connection: close`. A request
/// cut off by the half-close, or none at all, just closes: there is nothing to answer and
/// no one to send an error to. An open stream is ended with its last chunk.
struct HTTPServerConnectionStateMachine: Sendable {
    /// The phase of the connection.
    enum State: Equatable, Sendable {
        /// The TLS handshake is running.
        case handshaking
        /// Waiting for the first byte of a request (`first`: the first on this connection).
        case idle(first: Bool)
        /// Some bytes of a request arrived; the header block is incomplete.
        case readingHead
        /// The header block is complete; the body is arriving.
        case readingBody
        /// The handler has the request.
        case responding(keepAlive: Bool)
        /// A streamed response is open.
        case streaming(keepAlive: Bool)
        /// The response is written to the connection and draining to the socket.
        case writing(keepAlive: Bool)
        /// The connection is closing; nothing more is read or answered.
        case closing
        /// The connection is gone.
        case closed
    }

    /// The clock that runs in a phase.
    enum Timeout: Equatable, Sendable {
        /// `headerTimeout`: the whole header block (and the first request after the handshake).
        case header
        /// `bodyTimeout`: the body.
        case body
        /// `idleTimeout`: between requests on a kept-alive connection.
        case idle
    }

    /// What the connection must do next.
    enum Action: Equatable, Sendable {
        /// Nothing.
        case none
        /// Run the parser over the buffered bytes.
        case parse
        /// Write `100 Continue`.
        case sendContinue
        /// Hand the parsed request to the handler.
        case dispatch
        /// Write this problem response (it carries `Connection: close`).
        case sendError(HTTPProblem)
        /// Close the TLS connection in order.
        case close
        /// Ready for the next request: resume reading and parse what is buffered.
        case readNext
        /// End the open stream (server shutdown): write its last chunk.
        case finishStream
    }

    /// The current phase.
    private(set) var state: State = .handshaking
    /// Whether the server is shutting down (no new requests, close after the current one).
    private(set) var shuttingDown = false
    /// Whether the client finished sending: answer what is complete, then close.
    private(set) var inputClosed = false
    /// Increases each time a phase with a timeout begins, so the owner re-arms its timer.
    private(set) var timerEpoch = 0

    /// The timeout of the current phase, if any.
    var timeout: Timeout? {
        switch state {
        case .idle(let first): return first ? .header : .idle
        case .readingHead: return .header
        case .readingBody: return .body
        default: return nil
        }
    }

    /// Whether the parser should run (a request is being read).
    var isReadingRequest: Bool {
        state == .readingHead || state == .readingBody
    }

    /// Whether the connection will stay open after the response being prepared;
    /// `moreBuffered`: bytes of a further request are already received.
    func keepAliveAfterResponse(moreBuffered: Bool) -> Bool {
        switch state {
        case .responding(let keepAlive), .streaming(let keepAlive), .writing(let keepAlive):
            return keepAlive && !shuttingDown && (!inputClosed || moreBuffered)
        default:
            return false
        }
    }

    private mutating func enter(_ next: State) {
        state = next
        if timeout != nil { timerEpoch += 1 }
    }

    // MARK: - Inputs

    /// The TLS handshake succeeded.
    mutating func handshakeCompleted() -> Action {
        guard state == .handshaking else { return .none }
        if shuttingDown {
            enter(.closing)
            return .close
        }
        enter(.idle(first: true))
        return .none
    }

    /// Bytes were added to the parser.
    mutating func bytesReceived() -> Action {
        switch state {
        case .idle:
            enter(.readingHead)
            return .parse
        case .readingHead, .readingBody:
            return .parse
        default:
            return .none
        }
    }

    /// The parser returned a complete header block.
    mutating func headParsed(expectsContinue: Bool) -> Action {
        guard state == .readingHead else { return .none }
        enter(.readingBody)
        return expectsContinue ? .sendContinue : .none
    }

    /// The parser returned the whole request.
    mutating func messageParsed(keepAlive: Bool) -> Action {
        guard state == .readingBody else { return .none }
        enter(.responding(keepAlive: keepAlive && !shuttingDown))
        return .dispatch
    }

    /// The parser refused the request.
    mutating func parseFailed(_ problem: HTTPProblem) -> Action {
        guard isReadingRequest else { return .none }
        enter(.writing(keepAlive: false))
        return .sendError(problem)
    }

    /// The handler's response was written to the connection; `close` if it (or the
    /// request, or shutdown) ends the connection.
    mutating func responseQueued(close: Bool) -> Action {
        guard case .responding(let keepAlive) = state else { return .none }
        enter(.writing(keepAlive: keepAlive && !close && !shuttingDown))
        return .none
    }

    /// The handler started a streamed response.
    mutating func streamStarted() -> Action {
        guard case .responding(let keepAlive) = state else { return .none }
        enter(.streaming(keepAlive: keepAlive && !shuttingDown))
        return shuttingDown || inputClosed ? .finishStream : .none
    }

    /// The stream's last chunk was written to the connection.
    mutating func streamFinished() -> Action {
        guard case .streaming(let keepAlive) = state else { return .none }
        enter(.writing(keepAlive: keepAlive && !shuttingDown))
        return .none
    }

    /// Everything written so far reached the socket.
    mutating func outputDrained() -> Action {
        guard case .writing(let keepAlive) = state else { return .none }
        if keepAlive && !shuttingDown {
            enter(.idle(first: false))
            return .readNext
        }
        enter(.closing)
        return .close
    }

    /// The current phase's timeout passed.
    mutating func timerFired() -> Action {
        switch state {
        case .idle:
            enter(.closing)
            return .close
        case .readingHead:
            enter(.writing(keepAlive: false))
            return .sendError(HTTPProblem(status: 408, detail: "the request header was not received within the time limit"))
        case .readingBody:
            enter(.writing(keepAlive: false))
            return .sendError(HTTPProblem(status: 408, detail: "the request body was not received within the time limit"))
        default:
            return .none
        }
    }

    /// The server is shutting down: idle connections close now, a request being read or
    /// answered finishes (with `Connection: close`), an open stream is ended.
    mutating func shutdownRequested() -> Action {
        guard !shuttingDown else { return .none }
        shuttingDown = true
        switch state {
        case .idle:
            enter(.closing)
            return .close
        case .streaming:
            return .finishStream
        default:
            return .none
        }
    }

    /// The client finished sending (`close_notify` or FIN). Nothing received, or a request
    /// cut off: close. A request being answered: carry on (`awaitingInput` closes once
    /// everything complete is answered). A stream: end it.
    mutating func inputEnded() -> Action {
        guard !inputClosed else { return .none }
        inputClosed = true
        switch state {
        case .handshaking, .idle, .readingHead, .readingBody:
            enter(.closing)
            return .close
        case .streaming:
            return .finishStream
        case .responding, .writing, .closing, .closed:
            return .none
        }
    }

    /// The parser has used every byte received and needs more (or nothing is buffered
    /// between requests): after the client's half-close no more can come, so close.
    mutating func awaitingInput() -> Action {
        guard inputClosed else { return .none }
        switch state {
        case .idle, .readingHead, .readingBody:
            enter(.closing)
            return .close
        default:
            return .none
        }
    }

    /// The TLS connection closed (any reason).
    mutating func connectionClosed() {
        state = .closed
    }
}
