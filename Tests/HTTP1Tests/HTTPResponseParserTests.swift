@testable import HTTP1
import XCTest

/// Walks the states of the client's `HTTPResponseParser`.
final class HTTPResponseParserTests: XCTestCase {
    /// Feeds `text` in pieces of `step` bytes; returns (status, body, ended, error).
    private func parse(_ text: String, step: Int = 1 << 20, head: Bool = false, close: Bool = false)
        -> (status: Int?, body: [UInt8], ended: Bool, error: String?) {
        var parser = HTTPResponseParser()
        parser.expect(responseToHEAD: head)
        var status: Int?
        var body: [UInt8] = []
        let bytes = Array(text.utf8)
        var offset = 0
        func drain() -> (Bool, String?) {
            while true {
                switch parser.next() {
                case .needMoreData: return (false, nil)
                case .head(let code, _): status = code
                case .body(let piece): body += piece
                case .end: return (true, nil)
                case .error(let reason): return (false, reason)
                }
            }
        }
        while offset < bytes.count {
            parser.append(Array(bytes[offset..<min(offset + step, bytes.count)]))
            offset += step
            let (ended, error) = drain()
            if ended || error != nil { return (status, body, ended, error) }
        }
        if close {
            switch parser.connectionClosed() {
            case .end: return (status, body, true, nil)
            case .error(let reason): return (status, body, false, reason)
            default: break
            }
        }
        return (status, body, false, nil)
    }

    func testContentLength() {
        for step in [1, 3, 1 << 20] {
            let result = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", step: step)
            XCTAssertEqual(result.status, 200)
            XCTAssertEqual(result.body, Array("hello".utf8))
            XCTAssertTrue(result.ended)
        }
    }

    func testChunkedWithExtensionsAndTrailers() {
        for step in [1, 7, 1 << 20] {
            let result = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
                               step: step)
            XCTAssertEqual(String(decoding: result.body, as: UTF8.self), "hello world")
            XCTAssertTrue(result.ended)
        }
    }

    func testUntilClose() {
        let open = parse("HTTP/1.1 200 OK\r\n\r\npartial")
        XCTAssertFalse(open.ended)
        let closed = parse("HTTP/1.1 200 OK\r\n\r\nall of it", close: true)
        XCTAssertTrue(closed.ended)
        XCTAssertEqual(closed.body, Array("all of it".utf8))
    }

    func testNoBodyCases() {
        XCTAssertTrue(parse("HTTP/1.1 204 No Content\r\n\r\n").ended)
        XCTAssertTrue(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").ended)
        let head = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head: true)
        XCTAssertTrue(head.ended)
        XCTAssertEqual(head.body, [])
    }

    func testInterimResponsesAreSkipped() {
        let result = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        XCTAssertEqual(result.status, 201)
        XCTAssertEqual(result.body, Array("ok".utf8))
    }

    func testKeepAliveAndNextResponse() {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nb".utf8))
        guard case .head = parser.next() else { return XCTFail("head") }
        XCTAssertEqual(parser.next(), .body(Array("a".utf8)))
        XCTAssertEqual(parser.next(), .end)
        XCTAssertEqual(parser.state, .complete)
        XCTAssertTrue(parser.keepAlive)
        parser.prepareForNextResponse()
        guard case .head = parser.next() else { return XCTFail("second head") }
        XCTAssertFalse(parser.keepAlive)
        XCTAssertEqual(parser.next(), .body(Array("b".utf8)))
        XCTAssertEqual(parser.next(), .end)
    }

    func testErrors() {
        XCTAssertNotNil(parse("SMTP ready\r\n").error)
        XCTAssertNotNil(parse("HTTP/1.1 2000 OK\r\n\r\n").error)
        XCTAssertNotNil(parse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").error)
        XCTAssertNotNil(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").error)
        XCTAssertNotNil(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n").error)
        XCTAssertNotNil(parse("HTTP/1.1 101 Switching Protocols\r\n\r\n").error)
        XCTAssertEqual(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", close: true).error,
                       "the server closed the connection before the response was complete")
    }
}
