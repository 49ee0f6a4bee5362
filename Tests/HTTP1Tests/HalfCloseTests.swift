import Foundation
import HTTP1
import TestSupport
import TLSTransport
import XCTest

/// A client that finishes sending — TLS `close_notify` or a TCP FIN — still reads the
/// answers to the requests it sent (RFC 8446 §6.1: close_notify closes one direction only);
/// a request cut off by the half-close is not answered, and the connection closes cleanly.
final class HalfCloseTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    private enum HalfClose: CaseIterable { case closeNotify, fin }

    private func connect(_ harness: ServerHarness) throws -> BlockingTLSClient {
        try BlockingTLSClient(port: harness.port, certificate: pki.certificate("officer.test"),
                              key: pki.privateKey("officer.test"), ca: pki.caCert)
    }

    private func halfClose(_ client: BlockingTLSClient, _ how: HalfClose) {
        switch how {
        case .closeNotify: XCTAssertTrue(client.sendCloseNotify(), "close_notify sent")
        case .fin: client.shutdownWrite()
        }
    }

    func testCompleteRequestIsAnsweredAfterTheClientHalfCloses() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        for how in HalfClose.allCases {
            let client = try connect(harness)
            client.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            halfClose(client, how)
            let response = try XCTUnwrap(client.readResponse(), "\(how): the answer arrives after the half-close")
            XCTAssertEqual(response.status, 200, "\(how)")
            XCTAssertEqual(response.text, "hello", "\(how)")
            // Whether it also says `Connection: close` depends on whether the server read the
            // half-close before the handler answered (HTTPServerConnectionStateMachineTests).
            XCTAssertTrue(client.readUntilClosed().isEmpty, "\(how)")
            XCTAssertTrue(client.closedByCloseNotify, "\(how): the server ends with close_notify, not an alert or a reset")
        }
        XCTAssertEqual(harness.seen.count, 2)
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
        XCTAssertEqual(harness.server.statistics.handshakeFailures, 0)
    }

    /// The answer may take a while: the half-closed connection waits for the handler.
    func testSlowAnswerAndPipelinedRequestsBeforeTheHalfCloseAreAllAnswered() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        for how in HalfClose.allCases {
            let client = try connect(harness)
            client.write("GET /slow?ms=300&n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                         + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
                         + "GET /slow?ms=1&n=3 HTTP/1.1\r\nHost: x\r\n\r\n")
            halfClose(client, how)
            let first = client.readResponse()
            XCTAssertEqual(first?.text, "slow 1", "\(how)")
            XCTAssertNil(first?.header("Connection"), "\(how): more requests were waiting, so not the last")
            XCTAssertEqual(client.readResponse()?.text, "two", "\(how)")
            XCTAssertEqual(client.readResponse()?.text, "slow 3", "\(how)")
            XCTAssertTrue(client.readUntilClosed().isEmpty, "\(how)")
            XCTAssertTrue(client.closedByCloseNotify, "\(how)")
        }
        XCTAssertEqual(harness.seen.count, 6)
    }

    /// Cut off in the head or in the body: nothing reaches the handler, no answer, a clean close.
    func testRequestCutOffByTheHalfCloseIsNotAnswered() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let partials = ["GET /ping HTTP/1.1\r\nHo",
                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf",
                        "GET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /ping HTTP/1.1\r\n"]
        for how in HalfClose.allCases {
            for partial in partials {
                let client = try connect(harness)
                client.write(partial)
                halfClose(client, how)
                let received = String(decoding: client.readUntilClosed(), as: UTF8.self)
                let answered = partial.hasSuffix("\r\n\r\nGET /ping HTTP/1.1\r\n") ? 1 : 0
                XCTAssertEqual(received.components(separatedBy: "HTTP/1.1 200").count - 1, answered,
                               "\(how), \(partial.debugDescription): \(received)")
                XCTAssertFalse(received.contains("HTTP/1.1 4"), "\(how): no error answer for a half-sent request")
                XCTAssertTrue(client.closedByCloseNotify, "\(how), \(partial.debugDescription): closed in order")
            }
        }
        XCTAssertEqual(harness.seen.map(\.path), ["/ping", "/ping"], "only the complete requests reached the handler")
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
    }

    /// An idle kept-alive connection whose client half-closes is closed at once.
    func testHalfCloseOnAnIdleConnectionCloses() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        for how in HalfClose.allCases {
            let client = try connect(harness)
            client.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(client.readResponse()?.text, "pong")
            halfClose(client, how)
            XCTAssertTrue(client.readUntilClosed().isEmpty, "\(how)")
            XCTAssertTrue(client.closedByCloseNotify, "\(how)")
        }
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
    }
}
