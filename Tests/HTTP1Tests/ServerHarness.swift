import Foundation
import HTTP1
import Synchronization
import TestSupport
import TLSTransport
import XCTest

/// A real `HTTPServer` on an ephemeral loopback port with a small routing handler, the
/// log lines it wrote, and what the handler saw. Stopped by the test's teardown.
final class ServerHarness: Sendable {
    struct Seen: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var peer: PeerIdentity
        var remoteAddress: String
        var body: [UInt8]
    }

    let server: HTTPServer
    let pki: TestPKI
    private let logLines = Mutex<[String]>([])
    private let seenRequests = Mutex<[Seen]>([])
    let streamClosed = Mutex(0)

    /// Starts a server; `handler`, when given, replaces the standard routes; `recording`
    /// keeps what the handler saw (off for soak tests, so the harness itself does not grow).
    init(test: XCTestCase, pki: TestPKI, limits: HTTPLimits = HTTPLimits(), minimum: TLSVersion = .v1_3,
         host: String = "127.0.0.1", recording: Bool = true, handler: HTTPHandler? = nil) throws {
        self.pki = pki
        let box = Mutex<ServerHarness?>(nil)
        server = try HTTPServer(host: host, port: 0, tls: pki.serverTLS("pocd.test", minimum: minimum), limits: limits,
                                log: { line in box.withLock { $0 }?.logLines.withLock { $0.append(line) } },
                                handler: { request, responder in
                                    guard let harness = box.withLock({ $0 }) else { return }
                                    if recording { harness.record(request) }
                                    if let handler { handler(request, responder) } else { harness.route(request, responder) }
                                })
        box.withLock { $0 = self }
        try server.start()
        let server = self.server
        test.addTeardownBlock {
            let done = DispatchSemaphore(value: 0)
            server.shutdown(timeout: 5) { done.signal() }
            XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "server shut down")
            box.withLock { $0 = nil }
        }
    }

    var port: Int { server.port }
    var url: String { "https://127.0.0.1:\(port)" }
    var logs: [String] { logLines.withLock { $0 } }
    var seen: [Seen] { seenRequests.withLock { $0 } }

    private func record(_ request: HTTPRequest) {
        seenRequests.withLock {
            $0.append(Seen(method: request.method, path: request.path, query: request.query, peer: request.peer,
                           remoteAddress: request.remoteAddress, body: request.body))
        }
    }

    /// The standard routes:
    /// `/ping` → pong; `/whoami` → the client CN; `/echo` → the body back;
    /// `/slow?ms=N` → pong after N ms; `/big?bytes=N` → N bytes; `/stream?events=N&interval=ms`
    /// → N SSE events then the end (N=0: until the client goes away).
    private func route(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let text: @Sendable (Int, String) -> Void = { status, body in
            responder.respond(HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                                           body: Array(body.utf8)))
        }
        switch request.path {
        case "/ping":
            text(200, "pong")
        case "/whoami":
            text(200, request.peer.commonName)
        case "/echo":
            responder.respond(HTTPResponse(status: 200, body: request.body))
        case "/slow":
            let delay = Double(request.query["ms"] ?? "100").map { $0 / 1000 } ?? 0.1
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { text(200, "slow \(request.query["n"] ?? "")") }
        case "/big":
            let count = Int(request.query["bytes"] ?? "0") ?? 0
            responder.respond(HTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "x"), count: count)))
        case "/stream":
            let events = Int(request.query["events"] ?? "0") ?? 0
            let interval = Double(request.query["interval"] ?? "50").map { $0 / 1000 } ?? 0.05
            let size = Int(request.query["size"] ?? "0") ?? 0
            let stream = responder.startStream(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
            stream.onClose { [self] in streamClosed.withLock { $0 += 1 } }
            Self.pump(stream, sent: 0, events: events, interval: interval, padding: size)
        default:
            text(404, "no route")
        }
    }

    private static func pump(_ stream: HTTPStream, sent: Int, events: Int, interval: Double, padding: Int) {
        guard !stream.isClosed else { return }
        if events > 0 && sent == events {
            stream.finish()
            return
        }
        let pad = padding > 0 ? "data: " + String(repeating: "p", count: padding) + "\n" : ""
        stream.send(Array("id: \(sent + 1)\nevent: alert\ndata: {\"n\":\(sent + 1)}\n\(pad)\n".utf8))
        DispatchQueue.global().asyncAfter(deadline: .now() + interval) {
            pump(stream, sent: sent + 1, events: events, interval: interval, padding: padding)
        }
    }

    /// A client certificate's TLS configuration.
    func clientTLS(_ name: String = "officer.test") -> TLSConfiguration { pki.clientTLS(name) }

    /// Whether a fresh, well-behaved client gets `pong` (proves the server still serves).
    func goodClientIsServed(timeout: TimeInterval = 20) -> Bool {
        guard let client = try? HTTPSClient(baseURL: url, tls: clientTLS(), timeout: timeout) else { return false }
        defer { client.close() }
        if case .success(let response) = client.sendSync(method: "GET", path: "/ping"),
           response.status == 200, response.body == Array("pong".utf8) {
            return true
        }
        return false
    }

    /// Waits until `condition` holds (polling), up to `timeout` seconds.
    @discardableResult
    func wait(timeout: TimeInterval = 20, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }
}
