import Foundation
import HTTP1
import TestSupport
import TLSTransport
import XCTest

/// Thousands of connections (handshake, request, close) leave no descriptor behind.
final class LeakTests: XCTestCase {
    private func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    private func residentKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    func testThreeThousandConnectionsLeaveNoDescriptorBehind() throws {
        let pki = try TestPKI.shared()
        let harness = try ServerHarness(test: self, pki: pki, recording: false)
        let client = try HTTPSClient(baseURL: harness.url, tls: pki.clientTLS("officer.test"))
        defer { client.close() }
        let close = HTTPHeaders([("Connection", "close")])
        // Warm up: Dispatch's event machinery and OpenSSL's lazy state exist before counting.
        for _ in 0..<20 {
            XCTAssertEqual(try client.sendSync(method: "GET", path: "/ping", headers: close).get().status, 200)
        }
        XCTAssertTrue(harness.wait { harness.server.statistics.openConnections == 0 })
        Thread.sleep(forTimeInterval: 0.5)
        let descriptorsBefore = openDescriptors()
        let rssBefore = residentKilobytes()
        let objectsBefore = TLSConnection.liveCount
        let rounds = Int(ProcessInfo.processInfo.environment["LEAK_ROUNDS"] ?? "") ?? 3000
        var failures = 0
        for index in 0..<rounds {
            let result = client.sendSync(method: index % 2 == 0 ? "GET" : "POST",
                                         path: index % 2 == 0 ? "/ping" : "/echo", headers: close,
                                         body: index % 2 == 0 ? [] : Array("payload \(index)".utf8))
            if (try? result.get().status) != 200 { failures += 1 }
        }
        XCTAssertEqual(failures, 0)
        XCTAssertEqual(harness.server.statistics.acceptedTotal, rounds + 20)
        XCTAssertTrue(harness.wait(timeout: 30) { harness.server.statistics.openConnections == 0 })
        XCTAssertTrue(harness.wait(timeout: 30) { self.openDescriptors() <= descriptorsBefore },
                      "descriptors: \(openDescriptors()) now, \(descriptorsBefore) before")
        XCTAssertTrue(harness.wait(timeout: 30) { TLSConnection.liveCount <= objectsBefore },
                      "TLS connection objects: \(TLSConnection.liveCount) now, \(objectsBefore) before")
        let descriptorsAfter = openDescriptors()
        let rssAfter = residentKilobytes()
        print("LEAK CHECK: \(rounds) TLS connections; open fds before \(descriptorsBefore), after \(descriptorsAfter); "
              + "TLS connection objects before \(objectsBefore), after \(TLSConnection.liveCount); "
              + "VmRSS before \(rssBefore) kB, after \(rssAfter) kB")
        XCTAssertEqual(descriptorsAfter, descriptorsBefore)
    }
}
