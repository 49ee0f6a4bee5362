import Foundation
import HTTP1
import TestSupport
import TLSTransport
import XCTest

/// Many connections at once: all answered under the limit; over it, the extra ones are
/// closed at once and the admitted ones keep being served.
final class ConnectionLimitTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    private func open(_ count: Int, to harness: ServerHarness) -> (clients: [BlockingTLSClient], refused: Int) {
        var clients: [BlockingTLSClient] = []
        var refused = 0
        for _ in 0..<count {
            do {
                let client = try BlockingTLSClient(port: harness.port, certificate: pki.certificate("officer.test"),
                                                   key: pki.privateKey("officer.test"), ca: pki.caCert, timeout: 30)
                // TLS 1.3: a refusal could still come with the first read; a live connection answers.
                clients.append(client)
            } catch {
                refused += 1
            }
        }
        return (clients, refused)
    }

    func testTwoHundredConnectionsAtOnceAreAllAnswered() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let (clients, refused) = open(200, to: harness)
        XCTAssertEqual(refused, 0)
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 200 }, "all 200 open together")
        for (index, client) in clients.enumerated() {
            client.write("GET /slow?ms=1&n=\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        var answered = 0
        for (index, client) in clients.enumerated() where client.readResponse()?.text == "slow \(index)" {
            answered += 1
        }
        XCTAssertEqual(answered, 200)
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 200)
        XCTAssertEqual(harness.server.statistics.rejectedOverLimit, 0)
    }

    func testConnectionsOverTheLimitAreClosedAndTheOthersServed() throws {
        let harness = try ServerHarness(test: self, pki: pki, limits: HTTPLimits(maxConnections: 50))
        var (clients, refused) = open(200, to: harness)
        // Over-limit connections were closed before the handshake could finish.
        XCTAssertEqual(clients.count, 50)
        XCTAssertEqual(refused, 150)
        XCTAssertEqual(harness.server.statistics.rejectedOverLimit, 150)
        XCTAssertTrue(harness.logs.contains { $0.contains("50 connections open") })
        for client in clients {
            client.write("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        XCTAssertEqual(clients.filter { $0.readResponse()?.text == "officer.test" }.count, 50)
        // Once they leave, new clients get in again.
        clients.removeAll()
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
        XCTAssertTrue(harness.goodClientIsServed())
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 51)
    }
}
