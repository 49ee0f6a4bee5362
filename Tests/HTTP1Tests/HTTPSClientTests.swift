import Foundation
import HTTP1
import Synchronization
import TestSupport
import TLSTransport
import XCTest

/// The project's own HTTPS client against the project's server (and against servers it
/// must refuse).
final class HTTPSClientTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    private func client(_ harness: ServerHarness, base: String? = nil, identity: String? = nil,
                        tls: TLSConfiguration? = nil, timeout: TimeInterval = 20) throws -> HTTPSClient {
        let client = try HTTPSClient(baseURL: base ?? harness.url, tls: tls ?? harness.clientTLS(),
                                     expectedServerIdentity: identity, timeout: timeout)
        addTeardownBlock { client.close() }
        return client
    }

    func testSequentialRequestsReuseOneConnection() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try client(harness)
        for index in 0..<5 {
            let response = try client.sendSync(method: "POST", path: "/echo", body: Array("n\(index)".utf8)).get()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, Array("n\(index)".utf8))
        }
        XCTAssertEqual(harness.seen.count, 5)
        XCTAssertEqual(Set(harness.seen.map(\.remoteAddress)).count, 1, "one client port for all requests")
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 1)
        XCTAssertEqual(harness.seen.first?.peer.commonName, "officer.test")
    }

    func testAsynchronousSend() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try client(harness)
        let done = expectation(description: "response")
        client.send(method: "GET", path: "/whoami") { result in
            XCTAssertEqual(try? result.get().body, Array("officer.test".utf8))
            done.fulfill()
        }
        wait(for: [done], timeout: 30)
    }

    func testChunkedAndEmptyResponsesAreDecoded() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try client(harness)
        let streamed = try client.sendSync(method: "GET", path: "/stream?events=3&interval=1").get()
        XCTAssertEqual(streamed.headers["Transfer-Encoding"], "chunked")
        let text = String(decoding: streamed.body, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "event: alert").count, 4, text)
        let head = try client.sendSync(method: "HEAD", path: "/big?bytes=5000").get()
        XCTAssertEqual(head.headers["Content-Length"], "5000")
        XCTAssertEqual(head.body, [])
        let big = try client.sendSync(method: "GET", path: "/big?bytes=3000000").get()
        XCTAssertEqual(big.body.count, 3_000_000)
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 1, "all on one connection")
    }

    func testReconnectsWhenTheServerClosedTheIdleConnection() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(idleTimeout: 0.5))
        let client = try client(harness)
        XCTAssertEqual(try client.sendSync(method: "GET", path: "/ping").get().status, 200)
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 }, "the server closed the idle connection")
        XCTAssertEqual(try client.sendSync(method: "POST", path: "/echo", body: [1]).get().body, [1])
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 2)
    }

    func testConnectionCloseIsHonoured() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try client(harness)
        for _ in 0..<3 {
            let response = try client.sendSync(method: "GET", path: "/ping", headers: HTTPHeaders([("Connection", "close")])).get()
            XCTAssertEqual(response.headers["Connection"], "close")
        }
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 3)
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
    }

    func testServerFromForeignCAIsRefused() throws {
        let foreign = TLSConfiguration(certificateFile: pki.foreignCert, privateKeyFile: pki.foreignKey,
                                       trustedCAFile: pki.caCert)
        let server = try HTTPServer(host: "127.0.0.1", port: 0, tls: foreign) { _, responder in
            responder.respond(HTTPResponse(status: 200))
        }
        try server.start()
        defer { server.shutdown(timeout: 1) {} }
        let client = try HTTPSClient(baseURL: "https://127.0.0.1:\(server.port)", tls: pki.clientTLS("officer.test"))
        defer { client.close() }
        let result = client.sendSync(method: "GET", path: "/")
        XCTAssertEqual(result.failure, .tls(reason: "the server's certificate is not trusted (unable to get local issuer certificate)"))
        XCTAssertEqual(result.failure?.description,
                       "TLS: the server's certificate is not trusted (unable to get local issuer certificate)")
        XCTAssertEqual(server.statistics.requestsTotal, 0)
    }

    func testExpectedServerIdentity() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let right = try client(harness, identity: "pocd.test")
        XCTAssertEqual(try right.sendSync(method: "GET", path: "/ping").get().status, 200)
        let wrong = try client(harness, identity: "pocd.de")
        let result = wrong.sendSync(method: "POST", path: "/echo", body: Array("secret".utf8))
        XCTAssertEqual(result.failure, .tls(reason:
            "the server's certificate identifies pocd.test, localhost, 127.0.0.1, ::1, not the expected pocd.de"))
        XCTAssertEqual(harness.seen.count, 1, "nothing was sent to the wrong server")
    }

    func testHostNameIsVerifiedAgainstTheSubjectAltNames() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let byName = try client(harness, base: "https://localhost:\(harness.port)")
        XCTAssertEqual(try byName.sendSync(method: "GET", path: "/ping").get().status, 200)
        // A server whose certificate names only localhost, 127.0.0.1 and ::1, reached as 127.0.0.2.
        let foreignTrust = TLSConfiguration(certificateFile: pki.foreignCert, privateKeyFile: pki.foreignKey,
                                            trustedCAFile: pki.caCert)
        let foreignServer = try HTTPServer(host: "0.0.0.0", port: 0, tls: foreignTrust) { _, r in r.respond(HTTPResponse(status: 204)) }
        try foreignServer.start()
        defer { foreignServer.shutdown(timeout: 1) {} }
        let trusting = TLSConfiguration(certificateFile: pki.certificate("officer.test"),
                                        privateKeyFile: pki.privateKey("officer.test"), trustedCAFile: pki.foreignCA)
        let mismatched = try HTTPSClient(baseURL: "https://127.0.0.2:\(foreignServer.port)", tls: trusting)
        defer { mismatched.close() }
        XCTAssertEqual(mismatched.sendSync(method: "GET", path: "/").failure,
                       .tls(reason: "the server's certificate is not trusted (IP address mismatch)"))
        let named = try HTTPSClient(baseURL: "https://127.0.0.1:\(foreignServer.port)", tls: trusting)
        defer { named.close() }
        XCTAssertEqual(try named.sendSync(method: "GET", path: "/").get().status, 204,
                       "the same server is accepted under the address its certificate names")
    }

    func testOurExpiredCertificateIsRefusedByTheServer() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let expired = TLSConfiguration(certificateFile: pki.expiredCert, privateKeyFile: pki.expiredKey, trustedCAFile: pki.caCert)
        let client = try client(harness, tls: expired)
        let result = client.sendSync(method: "GET", path: "/ping")
        XCTAssertEqual(result.failure, .tls(reason: "our certificate was refused by the server (certificate expired alert)"))
        let foreign = TLSConfiguration(certificateFile: pki.foreignCert, privateKeyFile: pki.foreignKey, trustedCAFile: pki.caCert)
        let stranger = try self.client(harness, tls: foreign)
        XCTAssertEqual(stranger.sendSync(method: "GET", path: "/ping").failure,
                       .tls(reason: "our certificate was refused by the server (unknown ca alert)"))
    }

    func testConnectionRefusedAndTimeout() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let slow = try client(harness, timeout: 1)
        let result = slow.sendSync(method: "GET", path: "/slow?ms=5000")
        XCTAssertEqual(result.failure, .timeout("no response from https://127.0.0.1:\(harness.port) within 1 s"))
        // A port nobody listens on.
        let listener = try TLSListener(host: "127.0.0.1", port: 0, queue: DispatchQueue(label: "closed"))
        let port = listener.port
        let stopped = DispatchSemaphore(value: 0)
        listener.stop { stopped.signal() }
        stopped.wait()
        let nobody = try HTTPSClient(baseURL: "https://127.0.0.1:\(port)", tls: harness.clientTLS(), timeout: 5)
        defer { nobody.close() }
        XCTAssertEqual(nobody.sendSync(method: "GET", path: "/").failure,
                       .connect(address: "127.0.0.1:\(port)", reason: "Connection refused"))
    }

    func testIPv6Server() throws {
        let harness = try ServerHarness(test: self, pki: pki, host: "[::1]")
        let client = try client(harness, base: "https://[::1]:\(harness.port)")
        XCTAssertEqual(try client.sendSync(method: "GET", path: "/whoami").get().body, Array("officer.test".utf8))
        XCTAssertTrue(harness.seen.first?.remoteAddress.hasPrefix("[::1]:") ?? false)
    }

    func testBadURLsAndFiles() {
        XCTAssertThrowsError(try HTTPSClient(baseURL: "http://127.0.0.1:1", tls: pki.clientTLS("officer.test")))
        XCTAssertThrowsError(try HTTPSClient(baseURL: "https://127.0.0.1:99999", tls: pki.clientTLS("officer.test")))
        var tls = pki.clientTLS("officer.test")
        tls.privateKeyFile = "/nonexistent.key"
        XCTAssertThrowsError(try HTTPSClient(baseURL: "https://127.0.0.1:1", tls: tls)) { error in
            XCTAssertEqual("\(error)", "cannot read private key /nonexistent.key: No such file or directory")
        }
    }

    func testClosedClientRefusesRequests() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let client = try client(harness)
        XCTAssertEqual(try client.sendSync(method: "GET", path: "/ping").get().status, 200)
        client.close()
        XCTAssertEqual(client.sendSync(method: "GET", path: "/ping").failure, .closed)
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 }, "the pooled connection was closed")
    }
}

extension Result {
    /// The error, if this is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
