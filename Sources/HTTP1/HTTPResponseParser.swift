/// An incremental HTTP/1.1 response parser for the client, as a plain value.
///
/// Feed bytes with `append` and call `next()` until `.needMoreData`: it yields the head
/// (interim 1xx responses skipped), the body in pieces as they arrive, then `.end`.
/// Framing follows RFC 9112 §6.3: no body for HEAD, 1xx, 204 and 304; chunked when the
/// final transfer coding is chunked (extensions and trailers skipped); `Content-Length`;
/// otherwise until the server closes (`connectionClosed()`). Lines may end in CRLF or a
/// bare LF (lenient as a client may be). After `.end`, `prepareForNextResponse` readies
/// it for the next response on the same connection.
struct HTTPResponseParser: Sendable {
    /// Where the parser is in the response.
    enum State: Equatable, Sendable {
        case statusLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case complete
        case failed
    }

    /// What `next()` found.
    enum Event: Equatable, Sendable {
        case needMoreData
        case head(status: Int, headers: HTTPHeaders)
        case body([UInt8])
        case end
        case error(String)
    }

    private enum Line {
        case line([UInt8])
        case needMore
        case error(String)
    }

    let maxHeaderBytes: Int
    /// The current state.
    private(set) var state: State = .statusLine
    /// Whether the connection may carry another request after this response.
    private(set) var keepAlive = true
    private var buffer: [UInt8] = []
    private var position = 0
    private var headBytes = 0
    private var status = 0
    private var minorVersion = 1
    private var headers = HTTPHeaders()
    private var requestWasHEAD = false
    private var failure = ""

    /// A parser refusing response heads above `maxHeaderBytes`.
    init(maxHeaderBytes: Int = 64 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// Bytes received and not yet consumed.
    var bufferedByteCount: Int { buffer.count - position }

    /// Whether any byte of the response has been consumed.
    var hasStarted: Bool { state != .statusLine || headBytes > 0 }

    /// Says whether the response answers a HEAD request (which has no body).
    mutating func expect(responseToHEAD: Bool) {
        requestWasHEAD = responseToHEAD
    }

    /// Adds received bytes.
    mutating func append(_ bytes: [UInt8]) {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65536)
            position = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Parses as far as the buffered bytes allow.
    mutating func next() -> Event {
        while true {
            switch state {
            case .complete: return .needMoreData
            case .failed: return .error(failure)
            case .untilClose:
                return takeBody(limit: Int.max).map { .body($0) } ?? .needMoreData
            case .body(let remaining):
                if remaining == 0 {
                    state = .complete
                    return .end
                }
                guard let piece = takeBody(limit: remaining) else { return .needMoreData }
                state = .body(remaining: remaining - piece.count)
                return .body(piece)
            case .chunkData(let remaining):
                if remaining == 0 {
                    state = .chunkDataEnd
                    continue
                }
                guard let piece = takeBody(limit: remaining) else { return .needMoreData }
                state = .chunkData(remaining: remaining - piece.count)
                return .body(piece)
            case .statusLine, .headers, .chunkSize, .chunkDataEnd, .trailers:
                switch takeLine() {
                case .needMore: return .needMoreData
                case .error(let reason): return fail(reason)
                case .line(let line):
                    if let event = consume(line) { return event }
                }
            }
        }
    }

    /// The server closed the connection: the end of an until-close body, or an error.
    mutating func connectionClosed() -> Event {
        switch state {
        case .untilClose:
            state = .complete
            return .end
        case .complete:
            return .needMoreData
        case .failed:
            return .error(failure)
        default:
            return fail("the server closed the connection before the response was complete")
        }
    }

    /// After `.end`: ready for the next response, keeping bytes already buffered.
    mutating func prepareForNextResponse() {
        buffer.removeFirst(position)
        position = 0
        headBytes = 0
        headers = HTTPHeaders()
        state = .statusLine
        keepAlive = true
    }

    // MARK: - Pieces

    private mutating func fail(_ reason: String) -> Event {
        state = .failed
        failure = reason
        return .error(reason)
    }

    private mutating func takeBody(limit: Int) -> [UInt8]? {
        let available = min(limit, buffer.count - position)
        guard available > 0 else { return nil }
        let piece = Array(buffer[position..<(position + available)])
        position += available
        return piece
    }

    private mutating func takeLine() -> Line {
        guard let newline = buffer[position...].firstIndex(of: 10) else {
            if headBytes + bufferedByteCount > maxHeaderBytes { return .error("the response head is too large") }
            return .needMore
        }
        headBytes += newline - position + 1
        if headBytes > maxHeaderBytes { return .error("the response head is too large") }
        var end = newline
        if end > position && buffer[end - 1] == 13 { end -= 1 }
        let line = Array(buffer[position..<end])
        position = newline + 1
        return .line(line)
    }

    /// Handles one line in the line-oriented states; returns an event to report, if any.
    private mutating func consume(_ line: [UInt8]) -> Event? {
        switch state {
        case .statusLine:
            if line.isEmpty { return nil }
            let text = String(decoding: line, as: UTF8.self)
            let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
                  parts[1].count == 3, let code = Int(parts[1]), (100...599).contains(code) else {
                return fail("not an HTTP/1.1 status line: \(text.prefix(80))")
            }
            status = code
            minorVersion = parts[0] == "HTTP/1.1" ? 1 : 0
            headers = HTTPHeaders()
            state = .headers
            return nil
        case .headers:
            if !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                    return fail("a malformed response header line")
                }
                let name = String(decoding: line[..<colon], as: UTF8.self)
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
                headers.add(name: name, value: String(Substring(value).trimmingASCIIWhitespace()))
                return nil
            }
            return headComplete()
        case .chunkSize:
            let text = String(decoding: line, as: UTF8.self)
            let digits = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingASCIIWhitespace()
            guard !digits.isEmpty, digits.count <= 15, let size = Int(digits, radix: 16) else {
                return fail("a malformed chunk size: \(text.prefix(40))")
            }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return nil
        case .chunkDataEnd:
            guard line.isEmpty else { return fail("chunk data not followed by CRLF") }
            state = .chunkSize
            return nil
        case .trailers:
            guard line.isEmpty else { return nil }
            state = .complete
            return .end
        default:
            return nil
        }
    }

    private mutating func headComplete() -> Event? {
        if (100..<200).contains(status) {
            guard status != 101 else { return fail("the server switched protocols, which is not supported") }
            // Interim response (100 Continue, 103 Early Hints): the real one follows.
            headBytes = 0
            state = .statusLine
            return nil
        }
        let connection = headers.tokens("Connection")
        keepAlive = minorVersion == 1 ? !connection.contains("close") : connection.contains("keep-alive")
        let codings = headers.tokens("Transfer-Encoding")
        if requestWasHEAD || status == 204 || status == 304 {
            state = .body(remaining: 0)
        } else if !codings.isEmpty {
            if codings.last == "chunked" {
                state = .chunkSize
            } else {
                state = .untilClose
                keepAlive = false
            }
        } else if let length = headers["Content-Length"] {
            let values = Set(headers.values("Content-Length"))
            guard values.count == 1, !length.isEmpty, length.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  length.count <= 18, let size = Int(length) else {
                return fail("an invalid Content-Length: \(length)")
            }
            state = .body(remaining: size)
        } else {
            state = .untilClose
            keepAlive = false
        }
        return .head(status: status, headers: headers)
    }
}
