import Foundation
import Glibc
import TestSupport
import TLSTransport
import XCTest

/// The transport's own client and server connections over loopback, and hostile peers.
final class TLSConnectionTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    func testMegabyteRoundTripKeepsOrder() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"))
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        client.send(payload)
        let record = client.wait(timeout: 60) { $0.received.count >= payload.count || $0.closed != nil }
        XCTAssertEqual(record.received.count, payload.count)
        XCTAssertTrue(record.received == payload, "bytes arrive intact and in order")
        client.send(Array("BYE\n".utf8))
        let closed = client.wait { $0.closed != nil }
        XCTAssertTrue(closed.inputClosed, "the server's orderly close arrives as close_notify")
        XCTAssertEqual(closed.closed, .local, "and the client closes its side in order")
        XCTAssertTrue(server.waitUntilIdle())
    }

    func testClientRefusesServerNameMismatch() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"), verifyHost: "other.example")
        let record = client.wait { $0.closed != nil }
        XCTAssertNil(record.peer)
        XCTAssertEqual(record.closed, .failed(TLSFailure(.peerCertificateRejected, "hostname mismatch")))
    }

    func testClientRefusesServerFromForeignCA() throws {
        let foreign = TLSConfiguration(certificateFile: pki.foreignCert, privateKeyFile: pki.foreignKey,
                                       trustedCAFile: pki.caCert)
        let server = try EchoServer(tls: foreign)
        defer { server.stop() }
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"))
        let record = client.wait { $0.closed != nil }
        XCTAssertNil(record.peer)
        XCTAssertEqual(record.closed, .failed(TLSFailure(.peerCertificateRejected, "unable to get local issuer certificate")))
    }

    func testRefusedClientCertificateShowsOnTheNextRead() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let expired = TLSConfiguration(certificateFile: pki.expiredCert, privateKeyFile: pki.expiredKey,
                                       trustedCAFile: pki.caCert)
        let client = try TLSClientProbe(port: server.port, tls: expired)
        client.send(Array("hello\n".utf8))
        let record = client.wait { $0.closed != nil }
        XCTAssertEqual(record.peer?.commonName, "pocd.test", "TLS 1.3: the client's handshake completes first")
        XCTAssertEqual(record.received, [])
        XCTAssertEqual(record.closed, .failed(TLSFailure(.alertReceived, "certificate expired")))
    }

    func testSilentConnectionIsClosedAfterTheHandshakeTimeoutWithoutStallingOthers() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"), handshakeTimeout: 1.5)
        defer { server.stop() }
        let silent = try RawSocket(port: server.port)
        // While the silent peer holds its connection, a real client is served.
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"))
        client.send(Array("ping\n".utf8))
        XCTAssertEqual(client.wait { $0.received.count >= 5 }.received, Array("ping\n".utf8))
        let started = Date()
        let ending = silent.readUntilClosed()
        XCTAssertTrue(ending.closed, "the server closed the silent connection")
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        let failures = server.waitForOutcomes(2).compactMap { outcome -> TLSFailure? in
            if case .failed(let failure) = outcome { return failure }
            return nil
        }
        XCTAssertEqual(failures.map(\.kind), [.timedOut])
        client.close()
    }

    func testGarbageInsteadOfClientHelloIsClosed() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let garbage = try RawSocket(port: server.port)
        garbage.send((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        XCTAssertTrue(garbage.readUntilClosed().closed)
        guard case .failed(let failure)? = server.waitForOutcomes(1).first else { return XCTFail("no failure recorded") }
        XCTAssertEqual(failure.kind, .protocolViolation)
        // The server is fine.
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"))
        client.send(Array("still here\n".utf8))
        XCTAssertEqual(client.wait { $0.received.count >= 11 }.received, Array("still here\n".utf8))
        client.close()
    }

    func testPlainHTTPToTheTLSPortIsClosed() throws {
        let server = try EchoServer(tls: pki.serverTLS("pocd.test"))
        defer { server.stop() }
        let plain = try RawSocket(port: server.port)
        plain.send(Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        let ending = plain.readUntilClosed()
        XCTAssertTrue(ending.closed)
        XCTAssertFalse(String(decoding: ending.bytes, as: UTF8.self).contains("HTTP/1.1"), "no HTTP answer in clear text")
        guard case .failed(let failure)? = server.waitForOutcomes(1).first else { return XCTFail("no failure recorded") }
        XCTAssertEqual(failure, TLSFailure(.protocolViolation, "http request"))
        let client = try TLSClientProbe(port: server.port, tls: pki.clientTLS("officer.test"))
        client.send(Array("ok\n".utf8))
        XCTAssertEqual(client.wait { $0.received.count >= 3 }.received, Array("ok\n".utf8))
        client.close()
    }

    func testConnectionRefusedIsReported() throws {
        let listener = try TLSListener(host: "127.0.0.1", port: 0, queue: DispatchQueue(label: "closed"))
        let port = listener.port
        _ = listener // never started: bound but not accepting; close it to refuse connections
        let done = DispatchSemaphore(value: 0)
        listener.stop { done.signal() }
        done.wait()
        let client = try TLSClientProbe(port: port, tls: pki.clientTLS("officer.test"))
        let record = client.wait { $0.connectError != nil || $0.closed != nil }
        XCTAssertEqual(record.connectError, "Connection refused")
    }
}
