import Foundation
import HTTP1
import Synchronization
import TestSupport
import TLSTransport
import XCTest

/// Start errors, graceful shutdown, and certificate reload.
final class HTTPServerLifecycleTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    func testPortInUseAndBadFilesAreOneLineErrors() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let second = try HTTPServer(host: "127.0.0.1", port: harness.port, tls: pki.serverTLS("pocd.test")) { _, _ in }
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual("\(error)", "cannot listen on 127.0.0.1:\(harness.port): Address already in use")
        }
        var tls = pki.serverTLS("pocd.test")
        tls.certificateFile = "pki/none.crt"
        XCTAssertThrowsError(try HTTPServer(host: "127.0.0.1", port: 0, tls: tls) { _, _ in }) { error in
            XCTAssertEqual("\(error)", "cannot read certificate pki/none.crt: No such file or directory")
        }
    }

    func testShutdownFinishesInFlightRequestsThenCompletes() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS("pocd.test")) { request, responder in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
                responder.respond(HTTPResponse(status: 200, body: Array("late".utf8)))
            }
        }
        try server.start()
        let client = try HTTPSClient(baseURL: "https://127.0.0.1:\(server.port)", tls: pki.clientTLS("officer.test"))
        defer { client.close() }
        let response = Mutex<Result<HTTPClientResponse, HTTPClientError>?>(nil)
        let answered = DispatchSemaphore(value: 0)
        client.send(method: "GET", path: "/work") { result in
            response.withLock { $0 = result }
            answered.signal()
        }
        XCTAssertTrue(waitUntil { server.statistics.requestsTotal == 1 })
        let done = DispatchSemaphore(value: 0)
        server.shutdown(timeout: 20) { done.signal() }
        XCTAssertEqual(answered.wait(timeout: .now() + 30), .success)
        let result = try XCTUnwrap(response.withLock { $0 }).get()
        XCTAssertEqual(result.body, Array("late".utf8))
        XCTAssertEqual(result.headers["Connection"], "close", "the last response announces the close")
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(server.statistics.openConnections, 0)
        // No longer listening.
        let late = try HTTPSClient(baseURL: "https://127.0.0.1:\(server.port)", tls: pki.clientTLS("officer.test"), timeout: 5)
        defer { late.close() }
        guard case .connect? = late.sendSync(method: "GET", path: "/").failure else {
            return XCTFail("the listener is closed")
        }
    }

    func testShutdownClosesIdleConnectionsAndEndsStreams() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let idle = try HTTPSClient(baseURL: harness.url, tls: harness.clientTLS())
        defer { idle.close() }
        XCTAssertEqual(try idle.sendSync(method: "GET", path: "/ping").get().status, 200)
        let ended = DispatchSemaphore(value: 0)
        let streamer = try HTTPSClient(baseURL: harness.url, tls: harness.clientTLS())
        defer { streamer.close() }
        let handle = streamer.stream(path: "/stream?events=0&interval=50", headers: HTTPHeaders(), onResponse: { _, _ in },
                                     onData: { _ in }, onEnd: { error in
                                         XCTAssertNil(error, "the stream ended with its last chunk")
                                         ended.signal()
                                     })
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 2 && harness.seen.count == 2 })
        let done = DispatchSemaphore(value: 0)
        harness.server.shutdown(timeout: 20) { done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(ended.wait(timeout: .now() + 30), .success)
        XCTAssertTrue(handle.isEnded)
        XCTAssertEqual(harness.streamClosed.withLock { $0 }, 1)
        XCTAssertEqual(harness.server.statistics.openConnections, 0)
    }

    func testShutdownDropsStragglersAtTheDeadline() throws {
        let held = Mutex<[HTTPResponder]>([])
        let server = try HTTPServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS("pocd.test")) { _, responder in
            held.withLock { $0.append(responder) } // never answers
        }
        try server.start()
        let client = try HTTPSClient(baseURL: "https://127.0.0.1:\(server.port)", tls: pki.clientTLS("officer.test"))
        defer { client.close() }
        let failed = DispatchSemaphore(value: 0)
        client.send(method: "GET", path: "/") { result in
            if case .failure = result { failed.signal() }
        }
        XCTAssertTrue(waitUntil { server.statistics.requestsTotal == 1 })
        let done = DispatchSemaphore(value: 0)
        server.shutdown(timeout: 0.5) { done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(failed.wait(timeout: .now() + 30), .success)
        held.withLock { $0.removeAll() }
    }

    /// Many threads call `shutdown` while it finishes: every completion runs exactly once,
    /// whether it was queued before the end or arrived after it.
    func testConcurrentShutdownRunsEveryCompletionExactlyOnce() throws {
        let callers = 200
        for round in 0..<500 {
            let server = try HTTPServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS("pocd.test")) { _, _ in }
            try server.start()
            let runs = Mutex([Int](repeating: 0, count: callers))
            let firstRuns = DispatchGroup()
            for _ in 0..<callers { firstRuns.enter() }
            DispatchQueue.concurrentPerform(iterations: callers) { caller in
                server.shutdown(timeout: 10) {
                    let first = runs.withLock { counts -> Bool in
                        counts[caller] += 1
                        return counts[caller] == 1
                    }
                    if first { firstRuns.leave() }
                }
            }
            XCTAssertEqual(firstRuns.wait(timeout: .now() + 30), .success, "round \(round): every completion ran")
            let counts = runs.withLock { $0 }
            let twice = counts.indices.filter { counts[$0] > 1 }
            XCTAssertEqual(twice, [], "round \(round): completions that ran more than once")
            if !twice.isEmpty { return }
        }
    }

    func testReloadTLSAppliesToNewHandshakes() throws {
        let pki = try TestPKI.shared(servers: ["pocd.test", "pocd.other"], clients: ["officer.test"])
        let harness = try ServerHarness(test: self, pki: pki)
        let before = try HTTPSClient(baseURL: harness.url, tls: pki.clientTLS("officer.test"), expectedServerIdentity: "pocd.test")
        defer { before.close() }
        XCTAssertEqual(try before.sendSync(method: "GET", path: "/ping").get().status, 200)
        var broken = pki.serverTLS("pocd.other")
        broken.privateKeyFile = pki.privateKey("pocd.test")
        XCTAssertThrowsError(try harness.server.reloadTLS(broken), "a bad reload keeps the old material")
        try harness.server.reloadTLS(pki.serverTLS("pocd.other"))
        let after = try HTTPSClient(baseURL: harness.url, tls: pki.clientTLS("officer.test"), expectedServerIdentity: "pocd.other")
        defer { after.close() }
        XCTAssertEqual(try after.sendSync(method: "GET", path: "/ping").get().status, 200, "new handshakes use the new certificate")
        XCTAssertEqual(try before.sendSync(method: "GET", path: "/ping").get().status, 200, "open connections keep theirs")
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 2)
    }

    private func waitUntil(timeout: TimeInterval = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }
}
