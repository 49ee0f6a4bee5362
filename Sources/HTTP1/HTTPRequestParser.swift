/// The head of a request as the parser accepted it.
struct HTTPRequestHead: Equatable, Sendable {
    /// The method token.
    var method: String
    /// The decoded path and query.
    var target: RequestTarget
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    var minorVersion: Int
    /// The header fields, in order.
    var headers: HTTPHeaders
    /// The body length from `Content-Length` (0 without one).
    var contentLength: Int
    /// Whether the connection may carry another request after this one.
    var keepAlive: Bool
    /// Whether the client waits for `100 Continue` before sending the body.
    var expectsContinue: Bool
}

/// A strict, incremental HTTP/1.1 request parser (RFC 9112), as a plain value.
///
/// Feed bytes with `append`, then call `next()` until it answers `.needMoreData`: it
/// yields `.head` when the header block is complete and valid, then `.message` when the
/// body (sized by `Content-Length`) is in. After `.message`, `prepareForNextRequest()`
/// readies it for a pipelined request, keeping bytes already received. Any violation
/// yields `.error` with the status to answer, after which the parser stays `.failed`.
///
/// Refused, by status:
/// - 400: bare LF or CR, obs-fold (continuation lines), whitespace before a colon,
///   control characters, a malformed request line or target, missing / repeated `Host`
///   (HTTP/1.1), a `Host` value that is not `host[:port]` (`HostField`), both
///   `Transfer-Encoding` and `Content-Length`, a repeated, empty or
///   non-numeric `Content-Length`, a final transfer coding other than chunked.
/// - 411: `Transfer-Encoding: chunked` bodies — the API's bodies are small JSON
///   documents, every client can send `Content-Length`, and refusing chunked request
///   bodies removes a whole class of smuggling and slow-body attacks (docs/transport.md).
/// - 413: `Content-Length` above the body limit, decided before any body byte is read.
/// - 414: a request line above the header limit (its request-target is too long).
/// - 431: request line and header fields above the header limit, decided as soon as the
///   limit is passed, without waiting for the end of the block.
/// - 501: a transfer coding other than chunked (gzip, …).
/// - 505: an HTTP version other than 1.0 and 1.1.
struct HTTPRequestParser: Sendable {
    /// Where the parser is in the current request.
    enum State: Equatable, Sendable {
        /// Waiting for (the rest of) the request line; leading empty lines are skipped.
        case requestLine
        /// Reading header fields.
        case headers
        /// Reading the body; `remaining` bytes to go.
        case body(remaining: Int)
        /// The message was returned; call `prepareForNextRequest()`.
        case complete
        /// A violation was returned; the connection must answer it and close.
        case failed
    }

    /// What `next()` found.
    enum Event: Equatable, Sendable {
        /// Nothing more can be parsed from the bytes buffered so far.
        case needMoreData
        /// The header block is complete and valid; the body (if any) follows.
        case head(HTTPRequestHead)
        /// The whole request, body included.
        case message(HTTPRequestHead, [UInt8])
        /// The request is refused with this status and detail.
        case error(HTTPProblem)
    }

    private enum Line {
        case line(Range<Int>)
        case needMore
        case error(HTTPProblem)
    }

    private static let cr: UInt8 = 13, lf: UInt8 = 10, space: UInt8 = 32, tab: UInt8 = 9

    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    /// The current state.
    private(set) var state: State = .requestLine
    private var buffer: [UInt8] = []
    private var position = 0
    private var scanFrom = 0
    private var headBytes = 0
    private var method = ""
    private var rawTarget: [UInt8] = []
    private var minorVersion = 1
    private var headers = HTTPHeaders()
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var failure: HTTPProblem?

    /// A parser enforcing the given limits.
    init(maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Bytes received and not yet consumed by a returned event.
    var bufferedByteCount: Int { buffer.count - position }

    /// Whether any byte of a request beyond leading empty lines has arrived.
    var hasPartialRequest: Bool {
        switch state {
        case .requestLine: return buffer[position...].contains { $0 != Self.cr && $0 != Self.lf }
        case .headers, .body: return true
        case .complete, .failed: return false
        }
    }

    /// Adds received bytes.
    mutating func append(_ bytes: [UInt8]) {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65536)
            position = 0
            scanFrom = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Parses as far as the buffered bytes allow.
    mutating func next() -> Event {
        while true {
            switch state {
            case .failed:
                return .error(failure ?? HTTPProblem(status: 400, detail: "malformed request"))
            case .complete:
                return .needMoreData
            case .requestLine:
                switch takeLine() {
                case .needMore: return .needMoreData
                case .error(let problem): return fail(problem)
                case .line(let range):
                    if range.isEmpty { continue } // RFC 9112 §2.2: ignore empty lines before a request
                    if let problem = parseRequestLine(range) { return fail(problem) }
                    state = .headers
                }
            case .headers:
                switch takeLine() {
                case .needMore: return .needMoreData
                case .error(let problem): return fail(problem)
                case .line(let range):
                    if range.isEmpty {
                        switch finishHead() {
                        case .failure(let problem): return fail(problem)
                        case .success(let complete):
                            head = complete
                            body = []
                            body.reserveCapacity(complete.contentLength)
                            state = .body(remaining: complete.contentLength)
                            return .head(complete)
                        }
                    }
                    if let problem = parseField(range) { return fail(problem) }
                }
            case .body(let remaining):
                if remaining > 0 {
                    let available = min(remaining, buffer.count - position)
                    guard available > 0 else { return .needMoreData }
                    body.append(contentsOf: buffer[position..<(position + available)])
                    position += available
                    scanFrom = position
                    state = .body(remaining: remaining - available)
                    continue
                }
                state = .complete
                let message = Event.message(head!, body)
                body = []
                return message
            }
        }
    }

    /// After `.message`: forget the request and get ready for the next, keeping any
    /// bytes of it already buffered (pipelining).
    mutating func prepareForNextRequest() {
        guard state == .complete else { return }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        scanFrom = 0
        headBytes = 0
        method = ""
        rawTarget = []
        headers = HTTPHeaders()
        head = nil
        state = .requestLine
    }

    // MARK: - Lines

    /// The next CRLF-terminated line (without CRLF), enforcing the header limit and
    /// refusing bare LF and bare CR.
    private mutating func takeLine() -> Line {
        let end = buffer.count
        guard let newline = buffer[max(scanFrom, position)..<end].firstIndex(of: Self.lf) else {
            scanFrom = end
            if headBytes + (end - position) > maxHeaderBytes { return .error(tooLarge(line: position..<end)) }
            return .needMore
        }
        headBytes += newline - position + 1
        if headBytes > maxHeaderBytes { return .error(tooLarge(line: position..<newline)) }
        guard newline > position, buffer[newline - 1] == Self.cr else {
            return .error(HTTPProblem(status: 400, detail: "line ended by a bare LF; HTTP requires CRLF"))
        }
        let content = position..<(newline - 1)
        if buffer[content].contains(Self.cr) {
            return .error(HTTPProblem(status: 400, detail: "bare CR inside a line"))
        }
        position = newline + 1
        scanFrom = position
        return .line(content)
    }

    /// The limit was passed in `line`: 414 when it is the request line and its target has
    /// begun (a request line grows long only by its request-target), else 431.
    private func tooLarge(line: Range<Int>) -> HTTPProblem {
        if state == .requestLine && buffer[line].contains(Self.space) {
            return HTTPProblem(status: 414, detail: "the request-target is too long: the request line exceeds "
                               + "the limit of \(maxHeaderBytes) bytes")
        }
        return HTTPProblem(status: 431, detail: "the request line and header fields exceed \(maxHeaderBytes) bytes")
    }

    private mutating func fail(_ problem: HTTPProblem) -> Event {
        state = .failed
        failure = problem
        return .error(problem)
    }

    // MARK: - Request line

    private mutating func parseRequestLine(_ range: Range<Int>) -> HTTPProblem? {
        let line = buffer[range]
        // METHOD SP target SP version: exactly two spaces (found in place: splitting the line
        // into an array of parts cost more than the rest of the line's checks).
        guard let sp1 = line.firstIndex(of: Self.space),
              let sp2 = line[(sp1 + 1)...].firstIndex(of: Self.space),
              !line[(sp2 + 1)...].contains(Self.space),
              sp1 > line.startIndex, sp2 > sp1 + 1 else {
            return HTTPProblem(status: 400, detail: "malformed request line: expected METHOD SP target SP HTTP-version")
        }
        let methodBytes = line[line.startIndex..<sp1], target = line[(sp1 + 1)..<sp2], version = line[(sp2 + 1)...]
        guard methodBytes.allSatisfy(HTTPSyntax.isTokenByte) else {
            return HTTPProblem(status: 400, detail: "the method is not a token")
        }
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return HTTPProblem(status: 400, detail: "the request target contains a space, control or non-ASCII byte")
        }
        let v = version.startIndex
        let digit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard version.count == 8, version[v] == UInt8(ascii: "H"), version[v + 1] == UInt8(ascii: "T"), version[v + 2] == UInt8(ascii: "T"),
              version[v + 3] == UInt8(ascii: "P"), version[v + 4] == UInt8(ascii: "/"), digit(version[v + 5]),
              version[v + 6] == UInt8(ascii: "."), digit(version[v + 7]) else {
            return HTTPProblem(status: 400, detail: "malformed HTTP version in the request line")
        }
        guard version[v + 5] == UInt8(ascii: "1"), version[v + 7] == UInt8(ascii: "1") || version[v + 7] == UInt8(ascii: "0") else {
            return HTTPProblem(status: 505, detail: "HTTP version \(String(decoding: version.dropFirst(5), as: UTF8.self)) "
                                    + "is not supported; use HTTP/1.1")
        }
        method = String(decoding: methodBytes, as: UTF8.self)
        rawTarget = Array(target)
        minorVersion = Int(version[v + 7] - UInt8(ascii: "0"))
        return nil
    }

    // MARK: - Header fields

    private mutating func parseField(_ range: Range<Int>) -> HTTPProblem? {
        let line = buffer[range]
        if line.first == Self.space || line.first == Self.tab {
            return HTTPProblem(status: 400, detail: "obsolete line folding (a header line starting with whitespace)")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            return HTTPProblem(status: 400, detail: "a header line without a colon")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { return HTTPProblem(status: 400, detail: "a header field with an empty name") }
        if let last = name.last, last == Self.space || last == Self.tab {
            return HTTPProblem(status: 400, detail: "whitespace between a header field name and the colon")
        }
        guard name.allSatisfy(HTTPSyntax.isTokenByte) else {
            return HTTPProblem(status: 400, detail: "a header field name that is not a token")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, first == Self.space || first == Self.tab { value = value.dropFirst() }
        while let last = value.last, last == Self.space || last == Self.tab { value = value.dropLast() }
        let nameText = String(decoding: name, as: UTF8.self)
        guard value.allSatisfy(HTTPSyntax.isFieldValueByte) else {
            return HTTPProblem(status: 400, detail: "a control character in header field \(nameText)")
        }
        headers.add(name: nameText, value: String(decoding: value, as: UTF8.self))
        return nil
    }

    // MARK: - Meaning of the head

    private func finishHead() -> Result<HTTPRequestHead, HTTPProblem> {
        let hosts = headers.values("Host")
        if minorVersion == 1 && hosts.isEmpty {
            return .failure(HTTPProblem(status: 400, detail: "HTTP/1.1 requests must carry a Host header field"))
        }
        if hosts.count > 1 {
            return .failure(HTTPProblem(status: 400, detail: "more than one Host header field"))
        }
        if let host = hosts.first, let reason = HostField.invalidReason(host) {
            let shown = host.utf8.count > 100 ? String(decoding: host.utf8.prefix(100), as: UTF8.self) + "…" : host
            return .failure(HTTPProblem(status: 400, detail: "invalid Host header field value \"\(shown)\": \(reason); "
                                        + "expected host[:port] (RFC 9112 §3.2)"))
        }
        let target: RequestTarget
        switch RequestTarget.parse(rawTarget, method: method) {
        case .failure(let problem): return .failure(problem)
        case .success(let parsed): target = parsed
        }
        let lengths = headers.values("Content-Length")
        if headers.contains("Transfer-Encoding") {
            if !lengths.isEmpty {
                return .failure(HTTPProblem(status: 400, detail: "both Transfer-Encoding and Content-Length are present"))
            }
            if minorVersion == 0 {
                return .failure(HTTPProblem(status: 400, detail: "Transfer-Encoding is not defined for HTTP/1.0"))
            }
            let codings = headers.tokens("Transfer-Encoding")
            guard codings.last == "chunked" else {
                return .failure(HTTPProblem(status: 400, detail: "the final transfer coding is not chunked, "
                                            + "so the body length cannot be determined"))
            }
            if let other = codings.first(where: { $0 != "chunked" }) {
                return .failure(HTTPProblem(status: 501, detail: "transfer coding \(other) is not implemented"))
            }
            if codings.count > 1 {
                return .failure(HTTPProblem(status: 400, detail: "chunked applied more than once"))
            }
            return .failure(HTTPProblem(status: 411, detail: "chunked request bodies are not accepted: "
                                        + "send the body with a Content-Length"))
        }
        var contentLength = 0
        if lengths.count > 1 {
            return .failure(HTTPProblem(status: 400, detail: "more than one Content-Length header field"))
        }
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return .failure(HTTPProblem(status: 400, detail: "Content-Length is not a decimal number: \(text)"))
            }
            guard text.utf8.count <= 18, let value = Int(text), value <= maxBodyBytes else {
                return .failure(HTTPProblem(status: 413, detail: "the body of \(text) bytes exceeds the limit "
                                            + "of \(maxBodyBytes) bytes"))
            }
            contentLength = value
        }
        let connection = headers.tokens("Connection")
        let keepAlive = minorVersion == 1 && !connection.contains("close")
        let expects = headers["Expect"]?.lowercased() == "100-continue"
        return .success(HTTPRequestHead(method: method, target: target, minorVersion: minorVersion, headers: headers,
                                        contentLength: contentLength, keepAlive: keepAlive, expectsContinue: expects))
    }
}
