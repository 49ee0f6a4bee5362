import Foundation
import HTTP1
import TestSupport
import TLSTransport
import XCTest

/// `curl` and `openssl s_client` against the real server: mutual TLS decides who gets an
/// answer, and the handler sees who is asking.
final class HTTPServerCurlTests: XCTestCase {
    var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
    }

    /// Runs curl; returns (exit status, body, http code, stderr).
    private func curl(_ harness: ServerHarness, path: String = "/whoami", certificate: String?, key: String?,
                      extra: [String] = []) throws -> (status: Int32, body: String, code: String, stderr: String) {
        var arguments = ["-sS", "--max-time", "30", "--cacert", pki.caCert, "-o", "-", "-w", "\n%{http_code}"]
        if let certificate, let key { arguments += ["--cert", certificate, "--key", key] }
        arguments += extra + ["\(harness.url)\(path)"]
        let result = try Subprocess.run("/usr/bin/curl", arguments, timeout: 60)
        var lines = result.stdout.components(separatedBy: "\n")
        let code = lines.popLast() ?? ""
        return (result.status, lines.joined(separator: "\n"), code, result.stderr)
    }

    func testValidCertificateGets200AndTheHandlerSeesTheIdentity() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, certificate: pki.certificate("officer.test"), key: pki.privateKey("officer.test"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.code, "200")
        XCTAssertEqual(result.body, "officer.test")
        let seen = try XCTUnwrap(harness.seen.first)
        XCTAssertEqual(seen.peer.commonName, "officer.test")
        XCTAssertTrue(seen.remoteAddress.hasPrefix("127.0.0.1:"), seen.remoteAddress)
        XCTAssertEqual(harness.server.statistics.handshakeFailures, 0)
    }

    func testNoClientCertificateFails() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, certificate: nil, key: nil)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertNotEqual(result.code, "200")
        // TLS 1.3: curl's handshake completes, the refusal arrives with its first read.
        XCTAssertTrue(result.stderr.contains("certificate required"), result.stderr)
        XCTAssertTrue(harness.seen.isEmpty, "the handler never ran")
        XCTAssertTrue(harness.wait { harness.server.statistics.handshakeFailures == 1 })
        let line = try XCTUnwrap(harness.logs.first { $0.contains("handshake") })
        XCTAssertTrue(line.contains("127.0.0.1:") && line.contains("no certificate presented"), line)
    }

    func testCertificateFromForeignCAFails() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, certificate: pki.foreignCert, key: pki.foreignKey)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unknown ca"), result.stderr)
        XCTAssertTrue(harness.seen.isEmpty)
        XCTAssertTrue(harness.wait { harness.logs.contains { $0.contains("unable to get local issuer certificate") } })
    }

    func testExpiredCertificateFails() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, certificate: pki.expiredCert, key: pki.expiredKey)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("certificate expired"), result.stderr)
        XCTAssertTrue(harness.seen.isEmpty)
        XCTAssertTrue(harness.wait { harness.logs.contains { $0.contains("certificate has expired") } })
    }

    func testTLS12OnlyClientFailsWhenMinimumIs13() throws {
        let harness = try ServerHarness(test: self, pki: pki, minimum: .v1_3)
        let result = try curl(harness, certificate: pki.certificate("officer.test"), key: pki.privateKey("officer.test"),
                              extra: ["--tls-max", "1.2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("protocol version"), result.stderr)
        XCTAssertTrue(harness.seen.isEmpty)
    }

    func testTLS12OnlyClientSucceedsWhenMinimumIs12() throws {
        let harness = try ServerHarness(test: self, pki: pki, minimum: .v1_2)
        let result = try curl(harness, certificate: pki.certificate("officer.test"), key: pki.privateKey("officer.test"),
                              extra: ["--tls-max", "1.2", "-v"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.body, "officer.test")
        XCTAssertTrue(result.stderr.contains("TLSv1.2"), "negotiated 1.2")
    }

    func testPostBodyAndDecodedQuery() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, path: "/echo?name=a%20b&x=1&x=2", certificate: pki.certificate("officer.test"),
                              key: pki.privateKey("officer.test"), extra: ["--data-binary", "{\"hello\":\"world\"}",
                                                                           "-H", "Content-Type: application/json"])
        XCTAssertEqual(result.code, "200", result.stderr)
        XCTAssertEqual(result.body, "{\"hello\":\"world\"}")
        let seen = try XCTUnwrap(harness.seen.first)
        XCTAssertEqual(seen.method, "POST")
        XCTAssertEqual(seen.query, ["name": "a b", "x": "2"])
    }

    func testChunkedUploadIsRefusedWith411ProblemJSON() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, path: "/echo", certificate: pki.certificate("officer.test"),
                              key: pki.privateKey("officer.test"),
                              extra: ["-H", "Transfer-Encoding: chunked", "--data-binary", "hello", "-i"])
        XCTAssertEqual(result.code, "411", result.stderr)
        XCTAssertTrue(result.body.contains("Content-Type: application/problem+json"), result.body)
        XCTAssertTrue(result.body.contains("Connection: close"), result.body)
        XCTAssertTrue(result.body.contains("\"status\":411"), result.body)
        XCTAssertTrue(harness.seen.isEmpty)
    }

    func testHeadGetsHeadersWithoutBody() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, path: "/big?bytes=1000", certificate: pki.certificate("officer.test"),
                              key: pki.privateKey("officer.test"), extra: ["-I"])
        XCTAssertEqual(result.code, "200", result.stderr)
        XCTAssertTrue(result.body.contains("Content-Length: 1000"), result.body)
        XCTAssertFalse(result.body.contains("xxxx"))
    }

    func testKeepAliveAcrossCurlRequests() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let result = try curl(harness, path: "/ping", certificate: pki.certificate("officer.test"),
                              key: pki.privateKey("officer.test"), extra: ["\(harness.url)/whoami", "\(harness.url)/ping"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(harness.seen.count, 3)
        XCTAssertEqual(harness.server.statistics.acceptedTotal, 1, "curl reused its connection")
        XCTAssertEqual(Set(harness.seen.map(\.remoteAddress)).count, 1)
    }

    func testSClientWithoutOrWithABadCertificateGetsNoAnswer() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let cases: [([String], String)] = [
            ([], "certificate required"),
            (["-cert", pki.foreignCert, "-key", pki.foreignKey], "unknown ca"),
            (["-cert", pki.expiredCert, "-key", pki.expiredKey], "certificate expired"),
        ]
        for (credentials, alert) in cases {
            let result = try Subprocess.run("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(harness.port)", "-quiet", "-CAfile", pki.caCert,
            ] + credentials, input: "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 60)
            XCTAssertFalse(result.stdout.contains("HTTP/1.1"), "no HTTP answer without a valid certificate")
            XCTAssertTrue(result.stderr.contains(alert), "\(alert): \(result.stderr)")
        }
        XCTAssertTrue(harness.seen.isEmpty)
        XCTAssertTrue(harness.wait { harness.server.statistics.handshakeFailures == 3 })
        let valid = try Subprocess.run("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(harness.port)", "-quiet", "-CAfile", pki.caCert,
            "-cert", pki.certificate("officer.test"), "-key", pki.privateKey("officer.test"),
        ], input: "GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 60)
        XCTAssertTrue(valid.stdout.hasPrefix("HTTP/1.1 200 OK\r\n"), valid.stdout + valid.stderr)
        XCTAssertTrue(valid.stdout.hasSuffix("\r\n\r\nofficer.test"), valid.stdout)
    }

    func testSClientPipelinedRequestsAreAnsweredInOrder() throws {
        let harness = try ServerHarness(test: self, pki: pki)
        let requests = "GET /slow?ms=300&n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /slow?ms=10&n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /slow?ms=1&n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let result = try Subprocess.run("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(harness.port)", "-quiet", "-CAfile", pki.caCert,
            "-cert", pki.certificate("officer.test"), "-key", pki.privateKey("officer.test"),
        ], input: requests, timeout: 60)
        let bodies = result.stdout.components(separatedBy: "HTTP/1.1 200 OK").compactMap { response in
            response.range(of: "slow [0-9]", options: .regularExpression).map { String(response[$0]) }
        }
        XCTAssertEqual(bodies, ["slow 1", "slow 2", "slow 3"], result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
        XCTAssertTrue(result.stdout.contains("Connection: close"))
    }
}
