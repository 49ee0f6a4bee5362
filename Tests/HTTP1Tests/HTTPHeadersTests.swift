@testable import HTTP1
import XCTest

/// Ordered, case-insensitive header fields and the response encoder's framing.
final class HTTPHeadersTests: XCTestCase {
    func testCaseInsensitiveOrderedFields() {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("X-A", "1")])
        headers.add(name: "x-a", value: "2")
        XCTAssertEqual(headers["content-type"], "application/json")
        XCTAssertEqual(headers["X-A"], "1", "the first field of a name")
        XCTAssertEqual(headers.values("x-A"), ["1", "2"])
        XCTAssertEqual(headers.map(\.name), ["Content-Type", "X-A", "x-a"])
        headers["X-A"] = "3"
        XCTAssertEqual(headers.values("x-a"), ["3"])
        headers["x-a"] = nil
        XCTAssertFalse(headers.contains("X-A"))
        XCTAssertEqual(headers, HTTPHeaders([("content-type", "application/json")]))
        XCTAssertNil(headers["Content-Typf"])
        XCTAssertNil(headers["Content-Typ"])
    }

    func testTokens() {
        let headers = HTTPHeaders([("Connection", "Keep-Alive, close"), ("Connection", " upgrade ,,")])
        XCTAssertEqual(headers.tokens("connection"), ["keep-alive", "close", "upgrade"])
    }

    func testEncoderFramesAndSanitises() {
        let response = HTTPResponse(status: 201, headers: HTTPHeaders([
            ("Location", "/v1/requests/1"), ("Content-Length", "999"), ("X-Evil", "a\r\nSet-Cookie: x"),
            ("Bad Name", "v"), ("Transfer-Encoding", "chunked"),
        ]), body: Array("{}".utf8))
        let text = String(decoding: HTTPResponseEncoder.encode(response, headOnly: false, close: true), as: UTF8.self)
        XCTAssertEqual(text, "HTTP/1.1 201 Created\r\nLocation: /v1/requests/1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        let head = String(decoding: HTTPResponseEncoder.encode(response, headOnly: true, close: false), as: UTF8.self)
        XCTAssertEqual(head, "HTTP/1.1 201 Created\r\nLocation: /v1/requests/1\r\nContent-Length: 2\r\n\r\n")
        let empty = String(decoding: HTTPResponseEncoder.encode(HTTPResponse(status: 204, body: [1]), headOnly: false,
                                                                close: false), as: UTF8.self)
        XCTAssertEqual(empty, "HTTP/1.1 204 No Content\r\n\r\n")
        // Framing names in any case are the encoder's; names of the same lengths are not framing.
        let mixed = HTTPResponse(status: 200, headers: HTTPHeaders([
            ("CONNECTION", "keep-alive"), ("content-LENGTH", "1"), ("TRANSFER-encoding", "gzip"),
            ("X-Customer", "10"), ("X-Request-Tag1", "14"), ("X-Transfer-Notes1", "17"), ("Content-Lengths", "15"),
        ]), body: [])
        XCTAssertEqual(String(decoding: HTTPResponseEncoder.encode(mixed, headOnly: false, close: false), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nX-Customer: 10\r\nX-Request-Tag1: 14\r\nX-Transfer-Notes1: 17\r\nContent-Lengths: 15\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(String(decoding: HTTPResponseEncoder.chunk(Array(repeating: 65, count: 26)), as: UTF8.self),
                       "1a\r\n" + String(repeating: "A", count: 26) + "\r\n")
    }
}
