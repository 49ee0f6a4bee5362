import Dispatch
import Foundation
import TestSupport
import TLSTransport
import XCTest

/// Binding: ephemeral ports, IPv6 literals, and the one-line reasons for failures.
final class TLSListenerTests: XCTestCase {
    func testPortZeroPicksAFreePort() throws {
        let listener = try TLSListener(host: "127.0.0.1", port: 0, queue: DispatchQueue(label: "test.listener"))
        XCTAssertGreaterThan(listener.port, 0)
        XCTAssertEqual(listener.address, "127.0.0.1:\(listener.port)")
    }

    func testPortInUseIsOneLine() throws {
        let first = try TLSListener(host: "127.0.0.1", port: 0, queue: DispatchQueue(label: "test.listener"))
        XCTAssertThrowsError(try TLSListener(host: "127.0.0.1", port: first.port, queue: DispatchQueue(label: "b"))) { error in
            XCTAssertEqual("\(error)", "cannot listen on 127.0.0.1:\(first.port): Address already in use")
        }
    }

    func testUnusableAddresses() {
        XCTAssertThrowsError(try TLSListener(host: "192.0.2.1", port: 0, queue: DispatchQueue(label: "c"))) { error in
            XCTAssertEqual("\(error)", "cannot listen on 192.0.2.1:0: Cannot assign requested address")
        }
        XCTAssertThrowsError(try TLSListener(host: "no.such.host.invalid", port: 8443, queue: DispatchQueue(label: "d"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot listen on no.such.host.invalid:8443: "), "\(error)")
        }
    }

    func testIPv6LiteralListensAndAccepts() throws {
        let pki = try TestPKI.shared()
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"), host: "[::1]")
        defer { server.stop() }
        XCTAssertEqual(server.listener.address, "[::1]:\(server.port)")
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"), host: "::1", verifyHost: "::1")
        client.send(Array("over v6\n".utf8))
        let record = client.wait { $0.received.count >= 8 || $0.closed != nil }
        XCTAssertEqual(String(decoding: record.received, as: UTF8.self), "over v6\n")
        XCTAssertEqual(record.peer?.commonName, "pocd.test")
        guard case .accepted(let peer)? = server.waitForOutcomes(1).first else { return XCTFail("not accepted") }
        XCTAssertEqual(peer.commonName, "officer.test")
        client.close()
    }

    func testStopClosesTheSocket() throws {
        let listener = try TLSListener(host: "127.0.0.1", port: 0, queue: DispatchQueue(label: "e"))
        listener.start { fd, _ in close(fd) }
        let port = listener.port
        let stopped = DispatchSemaphore(value: 0)
        listener.stop { stopped.signal() }
        XCTAssertEqual(stopped.wait(timeout: .now() + 10), .success)
        // The port is free again.
        _ = try TLSListener(host: "127.0.0.1", port: port, queue: DispatchQueue(label: "f"))
    }
}
