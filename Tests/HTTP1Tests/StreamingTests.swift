import Foundation
import HTTP1
import Synchronization
import TestSupport
import TLSTransport
import XCTest

/// Server-Sent Events: delivered piece by piece, and the server learns when the client
/// goes away.
final class StreamingTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    func testEventsArriveIncrementallyAndOnCloseFiresWhenTheClientLeaves() throws {
        let secondMayGo = DispatchSemaphore(value: 0)
        let serverSawClose = DispatchSemaphore(value: 0)
        let harness = try ServerHarness(test: self, pki: pki) { request, responder in
            let stream = responder.startStream(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream"),
                                                                                  ("Cache-Control", "no-cache")]))
            stream.onClose { serverSawClose.signal() }
            stream.send(Array("id: 1\nevent: alert\ndata: {\"n\":1}\n\n".utf8))
            DispatchQueue.global().async {
                // The second event is sent only once the client has shown it got the first.
                guard secondMayGo.wait(timeout: .now() + 60) == .success else { return }
                stream.send(Array("id: 2\nevent: alert\ndata: {\"n\":2}\n\n".utf8))
            }
        }
        let client = try HTTPSClient(baseURL: harness.url, tls: harness.clientTLS())
        defer { client.close() }
        let received = Mutex("")
        let head = Mutex<(Int, HTTPHeaders)?>(nil)
        let ended = Mutex<[HTTPClientError?]>([])
        let handle = client.stream(path: "/v1/alerts/stream", headers: HTTPHeaders([("Accept", "text/event-stream")]),
                                   onResponse: { status, headers in head.withLock { $0 = (status, headers) } },
                                   onData: { bytes in received.withLock { $0 += String(decoding: bytes, as: UTF8.self) } },
                                   onEnd: { error in ended.withLock { $0.append(error) } })
        XCTAssertTrue(harness.wait { received.withLock { $0 }.contains("id: 1\n") }, "the first event arrives alone")
        XCTAssertFalse(received.withLock { $0 }.contains("id: 2"))
        XCTAssertEqual(head.withLock { $0 }?.0, 200)
        XCTAssertEqual(head.withLock { $0 }?.1["Content-Type"], "text/event-stream")
        XCTAssertEqual(head.withLock { $0 }?.1["Transfer-Encoding"], "chunked")
        secondMayGo.signal()
        XCTAssertTrue(harness.wait { received.withLock { $0 }.contains("id: 2\n") })
        XCTAssertFalse(handle.isEnded)
        handle.cancel()
        XCTAssertEqual(serverSawClose.wait(timeout: .now() + 30), .success, "onClose fired when the client left")
        XCTAssertTrue(harness.wait { ended.withLock { $0.count } == 1 })
        XCTAssertEqual(ended.withLock { $0 }.first.flatMap { $0 }, nil, "cancel ends the stream without an error")
        XCTAssertTrue(handle.isEnded)
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
    }

    func testFinishedStreamEndsTheBodyAndTheConnectionIsReused() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try HTTPSClient(baseURL: harness.url, tls: harness.clientTLS())
        defer { client.close() }
        let events = try client.sendSync(method: "GET", path: "/stream?events=5&interval=10").get()
        XCTAssertEqual(String(decoding: events.body, as: UTF8.self).components(separatedBy: "\n\n").count, 6)
        XCTAssertEqual(try client.sendSync(method: "GET", path: "/ping").get().status, 200)
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 1, "after a finished stream the connection serves on")
        XCTAssertEqual(harness.streamClosed.withLock { $0 }, 1)
    }

    func testCurlReadsTheStream() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try Subprocess.run("/usr/bin/curl", [
            "-sS", "-N", "--max-time", "30", "--cacert", pki.caCert, "--cert", pki.certificate("officer.test"),
            "--key", pki.privateKey("officer.test"), "\(harness.url)/stream?events=3&interval=20",
        ], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.components(separatedBy: "event: alert").count, 4, result.stdout)
    }

    func testStreamEndsWhenTheClientDisconnectsAbruptly() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        do {
            let client = try BlockingTLSClient(port: harness.port, certificate: pki.certificate("officer.test"),
                                               key: pki.privateKey("officer.test"), ca: pki.caCert)
            client.write("GET /stream?events=0&interval=20 HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertNotNil(client.readSome())
        } // the client socket closes here, without close_notify
        XCTAssertTrue(harness.wait(timeout: 30) { harness.streamClosed.withLock { $0 } == 1 })
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
    }
}
