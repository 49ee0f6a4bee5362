/// Serialises responses: status line, header fields, framing, and chunks for streams.
///
/// The encoder owns framing: it drops a caller's `Content-Length`, `Transfer-Encoding`
/// and `Connection` fields and writes its own, and it drops any field whose name is not
/// a token or whose value holds CR, LF or NUL (no response splitting through headers).
enum HTTPResponseEncoder {
    private static let framingFields = ["content-length", "transfer-encoding", "connection"]

    /// The bytes of a complete response. `headOnly` (for HEAD) keeps `Content-Length`
    /// but sends no body; `close` adds `Connection: close`.
    static func encode(_ response: HTTPResponse, headOnly: Bool, close: Bool) -> [UInt8] {
        let noBody = HTTPStatus.forbidsBody(response.status)
        var bytes = head(status: response.status, headers: response.headers,
                         framing: noBody ? nil : "Content-Length: " + String(response.body.count), close: close)
        if !headOnly && !noBody {
            bytes += response.body
        }
        return bytes
    }

    /// The head of a chunked (streamed) response.
    static func streamHead(status: Int, headers: HTTPHeaders, close: Bool) -> [UInt8] {
        head(status: status, headers: headers, framing: "Transfer-Encoding: chunked", close: close)
    }

    /// One chunk carrying `bytes` (which must not be empty: an empty chunk ends the body).
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
    }

    /// The last chunk, ending a streamed body.
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// `100 Continue`, sent when a client waits for it before sending the body.
    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Whether the handler asked for the connection to close (`Connection: close`).
    static func asksToClose(_ headers: HTTPHeaders) -> Bool {
        headers.tokens("Connection").contains("close")
    }

    /// Written byte by byte: it is on every response's path, where string interpolation and a
    /// lower-cased copy of each name cost ~16,000 instructions (Scripts/bench/instructions.sh).
    private static func head(status: Int, headers: HTTPHeaders, framing: String?, close: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        appendUTF8("HTTP/1.1 ", to: &out)
        appendDecimal(status, to: &out)
        out.append(UInt8(ascii: " "))
        appendUTF8(HTTPStatus.reasonPhrase(status), to: &out)
        out.append(contentsOf: crlf)
        for field in headers where isSafe(field) && !isFraming(field.name) {
            appendUTF8(field.name, to: &out)
            out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            appendUTF8(field.value, to: &out)
            out.append(contentsOf: crlf)
        }
        if let framing { appendUTF8(framing, to: &out); out.append(contentsOf: crlf) }
        if close { out.append(contentsOf: "Connection: close\r\n".utf8) }
        out.append(contentsOf: crlf)
        return out
    }

    private static let crlf: [UInt8] = [13, 10]

    /// The string's bytes in one copy (appending `s.utf8` goes a byte at a time).
    private static func appendUTF8(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        guard value > 0 else { return out.append(contentsOf: String(value).utf8) }
        var digits: [UInt8] = []
        var v = value
        while v > 0 { digits.append(UInt8(truncatingIfNeeded: 0x30 + v % 10)); v /= 10 }
        out.append(contentsOf: digits.reversed())
    }

    /// `Content-Length`, `Transfer-Encoding` or `Connection`, in any case (the encoder writes those).
    private static func isFraming(_ name: String) -> Bool {
        let n = name.utf8.count
        guard n == 10 || n == 14 || n == 17 else { return false }
        var name = name
        return name.withUTF8 { bytes in
            framingFields.contains { field in
                var field = field
                return field.withUTF8 { f in
                    f.count == n && (0..<n).allSatisfy { i in (bytes[i] >= 0x41 && bytes[i] <= 0x5A ? bytes[i] | 0x20 : bytes[i]) == f[i] }
                }
            }
        }
    }

    private static func isSafe(_ field: HTTPHeaders.Element) -> Bool {
        var name = field.name, value = field.value
        return name.withUTF8 { !$0.isEmpty && $0.allSatisfy(HTTPSyntax.isTokenByte) }
            && value.withUTF8 { !$0.contains { $0 == 13 || $0 == 10 || $0 == 0 } }
    }
}

/// Byte classes of RFC 9110 / 9112.
enum HTTPSyntax {
    /// `tchar`: the characters of methods, header names and other tokens.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// A byte allowed in a field value: HTAB, SP, visible ASCII, obs-text.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 9 || (byte >= 0x20 && byte != 0x7F)
    }
}
