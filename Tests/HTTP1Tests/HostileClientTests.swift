import Foundation
import HTTP1
import Synchronization
import TestSupport
import TLSTransport
import XCTest

/// Clients that misbehave get a clean close or the right status, and a well-behaved
/// client keeps being answered meanwhile. Limits are small here so the tests are quick;
/// bounds on waiting are generous (only "it happened", never "it took N ms").
final class HostileClientTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    private func connect(_ harness: ServerHarness, timeout: Int = 30) throws -> BlockingTLSClient {
        try BlockingTLSClient(port: harness.port, certificate: pki.certificate("officer.test"),
                              key: pki.privateKey("officer.test"), ca: pki.caCert, timeout: timeout)
    }

    private func problem(_ response: BlockingTLSClient.Response?, _ status: Int, file: StaticString = #filePath,
                         line: UInt = #line) {
        guard let response else { return XCTFail("no response", file: file, line: line) }
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/problem+json", file: file, line: line)
        XCTAssertEqual(response.header("Connection"), "close", file: file, line: line)
        let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        XCTAssertEqual(json?["status"] as? Int, status, file: file, line: line)
        XCTAssertEqual(json?["type"] as? String, "about:blank", file: file, line: line)
        XCTAssertNotNil(json?["title"] as? String, file: file, line: line)
        XCTAssertFalse((json?["detail"] as? String ?? "").isEmpty, file: file, line: line)
    }

    func testSlowlorisGets408WhileOthersAreServed() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(headerTimeout: 2))
        // Meanwhile, on another thread, well-behaved clients keep being answered.
        let goodAnswers = Mutex<[Bool]>([])
        let goodDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for _ in 0..<3 {
                let served = harness.goodClientIsServed()
                goodAnswers.withLock { $0.append(served) }
                Thread.sleep(forTimeInterval: 0.5)
            }
            goodDone.signal()
        }
        let slow = try connect(harness)
        // One header byte per second, for far longer than the header timeout.
        let request = Array("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n\r\n".utf8)
        let written = slow.writeUntilAnswered(request, chunk: 1, pause: 1)
        XCTAssertLessThan(written, request.count, "the server answered before the header was complete")
        problem(slow.readResponse(), 408)
        XCTAssertTrue(slow.readUntilClosed().isEmpty, "then the server closes")
        XCTAssertEqual(goodDone.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(goodAnswers.withLock { $0 }, [true, true, true])
        XCTAssertTrue(harness.goodClientIsServed())
        XCTAssertTrue(harness.seen.allSatisfy { $0.peer.commonName == "officer.test" })
        XCTAssertGreaterThanOrEqual(harness.server.statistics.timeouts, 1)
    }

    func testMegabyteHeaderGets431() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try connect(harness)
        let request = Array("GET /ping HTTP/1.1\r\nHost: x\r\nX-Huge: ".utf8)
            + [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20) + Array("\r\n\r\n".utf8)
        _ = client.writeUntilAnswered(request, chunk: 16384)
        problem(client.readResponse(), 431)
        XCTAssertTrue(harness.seen.isEmpty)
        XCTAssertTrue(harness.goodClientIsServed())
    }

    func testHundredMegabyteContentLengthGets413WithoutReadingTheBody() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try connect(harness)
        client.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n")
        // No body byte is sent: the answer is decided from the header alone.
        let response = client.readResponse()
        problem(response, 413)
        XCTAssertTrue(response?.text.contains("104857600") ?? false)
        XCTAssertTrue(harness.seen.isEmpty)
        XCTAssertTrue(harness.goodClientIsServed())
    }

    func testExpectContinueGets100ThenTheAnswer() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try connect(harness)
        client.write("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.status, 100)
        client.write("hello")
        let response = client.readResponse()
        XCTAssertEqual(response?.status, 200)
        XCTAssertEqual(response?.text, "hello")
    }

    func testGarbageInsteadOfClientHelloIsClosed() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let garbage = try RawTCPClient(port: harness.port)
        garbage.send((0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
        XCTAssertTrue(garbage.readUntilClosed().closed)
        XCTAssertTrue(harness.goodClientIsServed())
        XCTAssertTrue(harness.wait { harness.server.statistics.handshakeFailures == 1 })
    }

    func testPlainHTTPToTheTLSPortIsClosed() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let plain = try RawTCPClient(port: harness.port)
        plain.send(Array("GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        let ending = plain.readUntilClosed()
        XCTAssertTrue(ending.closed)
        XCTAssertFalse(String(decoding: ending.bytes, as: UTF8.self).contains("pong"))
        XCTAssertTrue(harness.goodClientIsServed())
        XCTAssertTrue(harness.wait { harness.logs.contains { $0.contains("http request") } }, "\(harness.logs)")
    }

    func testSilentConnectionIsClosedAfterTheHandshakeTimeout() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(handshakeTimeout: 1.5))
        let silent = try RawTCPClient(port: harness.port)
        XCTAssertTrue(harness.goodClientIsServed(), "accepting is not stalled by the silent client")
        XCTAssertTrue(silent.readUntilClosed().closed)
        XCTAssertTrue(harness.wait { harness.logs.contains { $0.contains("handshake not completed in time") } })
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(idleTimeout: 1.5))
        let client = try connect(harness)
        client.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.text, "pong")
        // Nothing more is sent: the server closes the kept-alive connection (close_notify).
        XCTAssertEqual(client.readUntilClosed(), [])
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
        XCTAssertTrue(harness.goodClientIsServed())
    }

    func testNoFirstRequestAfterTheHandshakeIsClosed() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(headerTimeout: 1.5))
        let client = try connect(harness)
        XCTAssertEqual(client.readUntilClosed(), [], "closed quietly: there was no request to answer")
        XCTAssertTrue(harness.goodClientIsServed())
    }

    func testSlowBodyGets408() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(bodyTimeout: 1.5))
        let client = try connect(harness)
        client.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        problem(client.readResponse(), 408)
        XCTAssertTrue(harness.seen.isEmpty)
        XCTAssertTrue(harness.goodClientIsServed())
    }

    func testClientThatStopsReadingAStreamIsDisconnected() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(writeTimeout: 2))
        let client = try connect(harness, timeout: 60)
        // 16 KiB events every millisecond; the client never reads.
        client.write("GET /stream?events=0&interval=1&size=16000 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(harness.wait(timeout: 60) { harness.streamClosed.withLock { $0 } == 1 },
                      "the stream was closed by the server")
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
        XCTAssertTrue(harness.goodClientIsServed())
        XCTAssertTrue(harness.wait { harness.logs.contains { $0.hasPrefix("closing ") } },
                      "the drop is logged (buffer full or write timeout, whichever comes first): \(harness.logs)")
    }

    func testClientThatStopsReadingALargeResponseIsDisconnected() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(writeTimeout: 2))
        let client = try connect(harness, timeout: 60)
        client.write("GET /big?bytes=67108864 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(harness.wait(timeout: 60) { harness.server.statistics.openConnections == 0 },
                      "dropped after the write timeout")
        XCTAssertTrue(harness.goodClientIsServed())
        XCTAssertTrue(harness.logs.contains { $0.hasPrefix("closing connection to ") && $0.contains("officer.test") },
                      "the write timeout is logged: \(harness.logs)")
        XCTAssertGreaterThanOrEqual(harness.server.statistics.timeouts, 1)
        _ = client
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try connect(harness)
        client.write("GET /slow?ms=400&n=1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
                     + "GET /slow?ms=1&n=3 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.text, "slow 1")
        XCTAssertEqual(client.readResponse()?.text, "two")
        XCTAssertEqual(client.readResponse()?.text, "slow 3")
        XCTAssertEqual(Set(harness.seen.map(\.remoteAddress)).count, 1)
    }

    func testEveryParserErrorOverTheWire() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(maxHeaderBytes: 4096, maxBodyBytes: 1000))
        let cases: [(String, Int)] = [
            ("GET / HTTP/1.1\nHost: x\r\n\r\n", 400),                                    // bare LF
            ("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),                   // obs-fold
            ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),                                 // space before colon
            ("GET / HTTP/1.1\r\n\r\n", 400),                                             // no Host
            ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),                                 // bad request line
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", 400),
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 411),
            ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413),
            ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 5000))\r\n\r\n", 431),
            ("GET /\(String(repeating: "t", count: 5000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n", 400),                             // invalid Host
            ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            ("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ]
        for (request, status) in cases {
            let client = try connect(harness)
            client.write(request)
            problem(client.readResponse(), status)
            XCTAssertTrue(client.readUntilClosed().isEmpty, "closed after \(status)")
        }
        XCTAssertTrue(harness.seen.isEmpty, "no bad request reached the handler")
        XCTAssertEqual(harness.server.statistics.protocolErrors, cases.count)
        XCTAssertTrue(harness.goodClientIsServed())
    }

    /// The two refusals a client most needs to tell apart say which part of the request was wrong.
    func testInvalidHostAndLongTargetNameTheirField() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(maxHeaderBytes: 4096))
        let cases: [(request: String, status: Int, detail: String)] = [
            ("GET /ping HTTP/1.1\r\nHost: a b@c\r\n\r\n", 400, "invalid Host header field value \"a b@c\""),
            ("GET /\(String(repeating: "t", count: 8000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request-target"),
        ]
        for (request, status, detail) in cases {
            let client = try connect(harness)
            _ = client.writeUntilAnswered(Array(request.utf8), chunk: 1024)
            let response = client.readResponse()
            problem(response, status)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response?.body ?? [])) as? [String: Any])
            let text = try XCTUnwrap(json["detail"] as? String)
            XCTAssertTrue(text.contains(detail), text)
        }
        XCTAssertTrue(harness.seen.isEmpty, "neither reached the handler")
        XCTAssertTrue(harness.goodClientIsServed())
    }

    func testUnansweredRequestGets500() throws {
        let harness = try ServerHarness(test: self, pki: pki) { _, _ in } // drops the responder
        let client = try connect(harness)
        client.write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        problem(client.readResponse(), 500)
    }
}
