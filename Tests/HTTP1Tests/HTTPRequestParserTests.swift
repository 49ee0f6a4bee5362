@testable import HTTP1
import XCTest

/// Walks every state of `HTTPRequestParser` and every refusal it makes.
final class HTTPRequestParserTests: XCTestCase {
    private func parser(maxHeader: Int = 16 * 1024, maxBody: Int = 1 << 20) -> HTTPRequestParser {
        HTTPRequestParser(maxHeaderBytes: maxHeader, maxBodyBytes: maxBody)
    }

    /// Parses `text` fed at once; returns the events until `.needMoreData` or an error.
    private func events(_ text: String, maxHeader: Int = 16 * 1024, maxBody: Int = 1 << 20) -> [HTTPRequestParser.Event] {
        var p = parser(maxHeader: maxHeader, maxBody: maxBody)
        p.append(Array(text.utf8))
        var out: [HTTPRequestParser.Event] = []
        while true {
            let event = p.next()
            out.append(event)
            if case .message = event { p.prepareForNextRequest(); continue }
            if case .head = event { continue }
            return out
        }
    }

    private func status(_ text: String, maxHeader: Int = 16 * 1024, maxBody: Int = 1 << 20,
                        file: StaticString = #filePath, line: UInt = #line) -> Int? {
        for event in events(text, maxHeader: maxHeader, maxBody: maxBody) {
            if case .error(let problem) = event { return problem.status }
        }
        return nil
    }

    private func assertRefused(_ text: String, _ expected: Int, containing detail: String? = nil,
                               maxHeader: Int = 16 * 1024, maxBody: Int = 1 << 20,
                               file: StaticString = #filePath, line: UInt = #line) {
        let found = events(text, maxHeader: maxHeader, maxBody: maxBody).compactMap { event -> HTTPProblem? in
            if case .error(let problem) = event { return problem }
            return nil
        }.first
        XCTAssertEqual(found?.status, expected, "for \(text.debugDescription)", file: file, line: line)
        if let detail {
            XCTAssertTrue(found?.detail.contains(detail) ?? false, "detail \(found?.detail ?? "-")", file: file, line: line)
        }
    }

    // MARK: - States

    func testSimpleGetWalksRequestLineHeadersBodyComplete() {
        var p = parser()
        XCTAssertEqual(p.state, .requestLine)
        XCTAssertFalse(p.hasPartialRequest)
        p.append(Array("GET /v1/queue?overdue=true HTTP/1.1\r\n".utf8))
        XCTAssertEqual(p.next(), .needMoreData)
        XCTAssertEqual(p.state, .headers)
        XCTAssertTrue(p.hasPartialRequest)
        p.append(Array("Host: localhost\r\nAccept: application/json\r\n\r\n".utf8))
        guard case .head(let head) = p.next() else { return XCTFail("expected the head") }
        XCTAssertEqual(p.state, .body(remaining: 0))
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, RequestTarget(path: "/v1/queue", query: ["overdue": "true"]))
        XCTAssertEqual(head.headers["accept"], "application/json")
        XCTAssertTrue(head.keepAlive)
        XCTAssertEqual(p.next(), .message(head, []))
        XCTAssertEqual(p.state, .complete)
        XCTAssertEqual(p.next(), .needMoreData, "complete waits for prepareForNextRequest")
        p.prepareForNextRequest()
        XCTAssertEqual(p.state, .requestLine)
        XCTAssertEqual(p.bufferedByteCount, 0)
    }

    func testBodyArrivesInPieces() {
        var p = parser()
        p.append(Array("POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123".utf8))
        guard case .head(let head) = p.next() else { return XCTFail("expected the head") }
        XCTAssertEqual(head.contentLength, 10)
        XCTAssertEqual(p.next(), .needMoreData)
        XCTAssertEqual(p.state, .body(remaining: 6))
        p.append(Array("456789GET".utf8))
        XCTAssertEqual(p.next(), .message(head, Array("0123456789".utf8)))
        XCTAssertEqual(p.bufferedByteCount, 3, "the next request's bytes are kept")
    }

    func testPipelinedRequestsKeepTheirOrder() {
        let all = events("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        let paths = all.compactMap { event -> String? in
            if case .message(let head, _) = event { return head.target.path }
            return nil
        }
        XCTAssertEqual(paths, ["/a", "/b", "/c"])
        XCTAssertEqual(all.last, .needMoreData)
    }

    func testByteAtATime() {
        var p = parser()
        var head: HTTPRequestHead?
        for byte in Array("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc".utf8) {
            p.append([byte])
            switch p.next() {
            case .head(let h): head = h
            case .message(_, let body): XCTAssertEqual(body, Array("abc".utf8))
            case .error(let problem): return XCTFail("\(problem)")
            case .needMoreData: break
            }
        }
        XCTAssertEqual(head?.method, "PUT")
        XCTAssertEqual(p.state, .complete)
    }

    func testLeadingEmptyLinesAreIgnored() {
        XCTAssertNil(status("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"))
    }

    func testFailedStateIsSticky() {
        var p = parser()
        p.append(Array("GET / HTTP/1.1\nHost: x\r\n\r\n".utf8))
        guard case .error(let problem) = p.next() else { return XCTFail("expected an error") }
        XCTAssertEqual(p.state, .failed)
        p.append(Array("more".utf8))
        XCTAssertEqual(p.next(), .error(problem))
        p.prepareForNextRequest()
        XCTAssertEqual(p.state, .failed, "a failed parser is never reused")
    }

    // MARK: - Keep-alive, Expect, versions

    func testConnectionCloseAndHTTP10() {
        guard case .head(let closing)? = events("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n").first
        else { return XCTFail("no head") }
        XCTAssertFalse(closing.keepAlive)
        guard case .head(let old)? = events("GET / HTTP/1.0\r\n\r\n").first else { return XCTFail("no head") }
        XCTAssertEqual(old.minorVersion, 0)
        XCTAssertFalse(old.keepAlive, "HTTP/1.0 connections close after one request")
    }

    func testExpectContinue() {
        guard case .head(let head)? = events("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n").first
        else { return XCTFail("no head") }
        XCTAssertTrue(head.expectsContinue)
    }

    func testUnsupportedVersions() {
        assertRefused("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, containing: "2.0")
        assertRefused("GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505)
        assertRefused("GET / HTTP/0.9\r\n\r\n", 505)
        assertRefused("GET / HTTP/1\r\nHost: x\r\n\r\n", 400)
        assertRefused("GET / http/1.1\r\nHost: x\r\n\r\n", 400)
    }

    // MARK: - Request line refusals

    func testMalformedRequestLines() {
        assertRefused("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "request line")
        assertRefused("GET /\r\nHost: x\r\n\r\n", 400)
        assertRefused("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400)
        assertRefused("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "method")
        assertRefused("GET /a\u{7F}b HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "target")
        assertRefused("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        assertRefused("GET x HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "origin-form")
        assertRefused("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "OPTIONS")
        XCTAssertNil(status("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"))
        // Exactly two single spaces, nothing empty around them.
        assertRefused(" GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "request line")
        assertRefused("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400, containing: "request line")
        assertRefused("GET / \r\nHost: x\r\n\r\n", 400, containing: "HTTP version")
        assertRefused("GET  HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "request line")
        assertRefused("GET / HTTP/1.1x\r\nHost: x\r\n\r\n", 400, containing: "HTTP version")
        assertRefused("GET / HTTQ/1.1\r\nHost: x\r\n\r\n", 400, containing: "HTTP version")
        guard case .head(let head)? = events("DELETE /a/b?c HTTP/1.1\r\nHost: x\r\n\r\n").first else { return XCTFail("no head") }
        XCTAssertEqual(head.method, "DELETE")
        XCTAssertEqual(head.target.path, "/a/b")
        XCTAssertEqual(head.minorVersion, 1)
    }

    func testPercentDecodingAndAbsoluteForm() {
        guard case .head(let head)? = events("GET https://pocd.vn:8443/v1/a%20b/%E2%9C%93?x=1&y=a+b%26c&x=2&flag HTTP/1.1\r\nHost: x\r\n\r\n").first
        else { return XCTFail("no head") }
        XCTAssertEqual(head.target.path, "/v1/a b/✓")
        XCTAssertEqual(head.target.query, ["x": "2", "y": "a b&c", "flag": ""])
        assertRefused("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "percent")
        assertRefused("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        assertRefused("GET /a%ff HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "UTF-8")
        assertRefused("GET /a?x=%4 HTTP/1.1\r\nHost: x\r\n\r\n", 400, containing: "query")
    }

    // MARK: - Line endings and header syntax

    func testBareLFIsRefused() {
        assertRefused("GET / HTTP/1.1\nHost: x\r\n\r\n", 400, containing: "bare LF")
        assertRefused("GET / HTTP/1.1\r\nHost: x\n\r\n", 400, containing: "bare LF")
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\n\n", 400, containing: "bare LF")
    }

    func testBareCRIsRefused() {
        assertRefused("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", 400, containing: "bare CR")
    }

    func testObsFoldIsRefused() {
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  continued\r\n\r\n", 400, containing: "folding")
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n\tcontinued\r\n\r\n", 400, containing: "folding")
    }

    func testHeaderSyntaxRefusals() {
        assertRefused("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, containing: "colon")
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, containing: "without a colon")
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n", 400, containing: "empty name")
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nBad(Name): v\r\n\r\n", 400, containing: "token")
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{01}b\r\n\r\n", 400, containing: "control character in header field X")
        guard case .head(let head)? = events("GET / HTTP/1.1\r\nHost: x\r\nX-Trim: \t spaced value \t\r\n\r\n").first
        else { return XCTFail("no head") }
        XCTAssertEqual(head.headers["x-trim"], "spaced value")
    }

    func testHostIsRequiredOnceForHTTP11() {
        assertRefused("GET / HTTP/1.1\r\n\r\n", 400, containing: "Host")
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, containing: "more than one Host")
    }

    /// RFC 9112 §3.2: a Host value that is not `uri-host [":" port]` is 400, naming the field.
    func testInvalidHostValuesAreRefused() {
        let invalid: [(String, String)] = [
            ("a b@c", "a space is not allowed"),
            ("user@pocd.vn", "\"@\" is not allowed"),
            ("pocd.vn/v1", "\"/\" is not allowed"),
            ("pocd.vn:84x3", "the port \"84x3\" is not a number"),
            ("pocd.vn:8443:1", "the port \"8443:1\" is not a number"),
            ("::1", "the port \":1\" is not a number"),
            ("[::1", "must end with ]"),
            ("[::g]", "is not an IPv6 address"),
            ("[1.2.3.4]", "is not an IPv6 address"),
            ("[::1]x", "only :port may follow"),
            ("pocd%zz.vn", "%XX escape"),
            ("pocd\u{00E9}.vn", "the byte 0xC3 is not allowed"),
            ("a\tb", "a tab is not allowed"),
        ]
        for (value, reason) in invalid {
            assertRefused("GET / HTTP/1.1\r\nHost: \(value)\r\n\r\n", 400, containing: "invalid Host header field value")
            assertRefused("GET / HTTP/1.1\r\nHost: \(value)\r\n\r\n", 400, containing: reason)
        }
        // HTTP/1.0 need not send Host, but one it sends must be valid.
        assertRefused("GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400, containing: "Host")
        for valid in ["pocd.vn", "pocd.vn:8443", "127.0.0.1:1", "[::1]:8443", "[::ffff:192.0.2.1]", "[v7.a:b]",
                      "localhost:", "a-b_c~d.!$&'()*+,;=", "p%C3%A9", ""] {
            XCTAssertNil(status("GET / HTTP/1.1\r\nHost: \(valid)\r\n\r\n"), "Host: \(valid) is valid")
        }
    }

    // MARK: - Body framing

    func testContentLengthRefusals() {
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, containing: "more than one")
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", 400, containing: "decimal")
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400)
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", 400)
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n", 400)
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400)
    }

    func testBodyOverTheLimitIsRefusedFromTheHeader() {
        var p = parser(maxBody: 1 << 20)
        p.append(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n".utf8))
        XCTAssertEqual(p.next(), .error(HTTPProblem(status: 413, detail:
            "the body of 104857600 bytes exceeds the limit of 1048576 bytes")))
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413)
        XCTAssertNil(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"), "exactly the limit is fine")
    }

    func testTransferEncodingRefusals() {
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411,
                      containing: "Content-Length")
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400,
                      containing: "both")
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400)
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, containing: "gzip")
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, containing: "final")
        assertRefused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400)
        assertRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, containing: "HTTP/1.0")
    }

    // MARK: - Header limit

    func testHeaderBlockOverTheLimit() {
        let big = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n"
        assertRefused(big, 431, maxHeader: 1024)
        XCTAssertNil(status(big, maxHeader: 4096))
    }

    func testHeaderLimitIsDecidedWithoutTheEndOfTheBlock() {
        var p = parser(maxHeader: 1024)
        p.append(Array("GET / HTTP/1.1\r\nX-Endless: ".utf8))
        XCTAssertEqual(p.next(), .needMoreData)
        p.append(Array(repeating: UInt8(ascii: "a"), count: 1100))
        guard case .error(let problem) = p.next() else { return XCTFail("expected 431 before any line end") }
        XCTAssertEqual(problem.status, 431)
        XCTAssertEqual(problem.detail, "the request line and header fields exceed 1024 bytes")
    }

    func testTooLongRequestTargetIs414NotHeaderFieldsTooLarge() {
        let target = "/v1/" + String(repeating: "a", count: 2000)
        assertRefused("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n", 414, containing: "request-target", maxHeader: 1024)
        XCTAssertNil(status("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n", maxHeader: 4096))
        // Decided before the end of the line, like 431.
        var p = parser(maxHeader: 1024)
        p.append(Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1100))
        XCTAssertEqual(p.next(), .error(HTTPProblem(status: 414, detail:
            "the request-target is too long: the request line exceeds the limit of 1024 bytes")))
        XCTAssertEqual(HTTPProblem(status: 414, detail: "").title, "URI Too Long")
        // A short request line with oversized header fields stays 431.
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "b", count: 2000))\r\n\r\n", 431, maxHeader: 1024)
    }

    func testEmptyLinesCountTowardsTheLimit() {
        assertRefused(String(repeating: "\r\n", count: 600), 431, maxHeader: 1024)
    }

    func testProblemRendersAsProblemJSON() throws {
        let response = HTTPProblem(status: 431, detail: "too \"big\"\n").response
        XCTAssertEqual(response.headers["Content-Type"], "application/problem+json")
        XCTAssertEqual(response.headers["Connection"], "close")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        XCTAssertEqual(json["type"] as? String, "about:blank")
        XCTAssertEqual(json["title"] as? String, "Request Header Fields Too Large")
        XCTAssertEqual(json["status"] as? Int, 431)
        XCTAssertEqual(json["detail"] as? String, "too \"big\"\n")
    }
}
