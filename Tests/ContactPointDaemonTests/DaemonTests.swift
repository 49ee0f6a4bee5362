import ContactPointModel
import ContactPointStore
import Foundation
import Logging
import TestSupport
import XCTest
@testable import ContactPointDaemon

/// The daemon in this process, for what only threads can show: a SIGHUP that arrives while
/// the log is being replayed waits for the replay (its control state has one owner, the
/// control queue), and every reload is reported once, after what it loaded is in force.
/// Run it under ThreadSanitizer: `swift test --sanitize=thread --filter DaemonTests`.
final class DaemonTests: XCTestCase {
    var folder: TemporaryDirectory!

    override func setUpWithError() throws {
        folder = try TemporaryDirectory(prefix: "daemon")
        let pki = try TestPKI.shared(servers: ["pocd.vn"], clients: ["officer.vn"])
        try """
            contact_points:
              VN: {name: VN, daemon: local, principals: [{identity: officer.vn, role: officer}]}
              DE: {name: DE, daemon: local, principals: []}
            """.write(toFile: folder.path("directory.yaml"), atomically: true, encoding: .utf8)
        try String(contentsOfFile: ProjectRoot.path("Config/policy.yaml"), encoding: .utf8)
            .write(toFile: folder.path("policy.yaml"), atomically: true, encoding: .utf8)
        try """
            contact_point: [VN, DE]
            listen: "127.0.0.1:0"
            tls:
              certificate: \(pki.certificate("pocd.vn"))
              private_key: \(pki.privateKey("pocd.vn"))
              client_ca: \(pki.caCert)
            data_dir: data
            directory: directory.yaml
            policy: policy.yaml
            """.write(toFile: folder.path("pocd.yaml"), atomically: true, encoding: .utf8)
    }

    func makeDaemon() throws -> Daemon {
        let set = try ConfigurationSet.load(configFile: folder.path("pocd.yaml"))
        return try Daemon(configuration: set, log: Logger(label: "test"), environment: [:])
    }

    /// A log long enough that replaying it takes a while, with a stale projection so the
    /// whole log is replayed.
    func fillLog(requests: Int) throws {
        let store = try EventStore(directory: folder.path("data"), clock: .system)
        var batch = WriteBatch()
        for i in 0..<requests {
            var request = try EvidenceRequest.decode(Array(E2ERequest.json.utf8), newID: { UUID().uuidString.lowercased() }).get()
            request.reference = "VN-\(i)"
            batch.events.append(NewEvent(id: UUID().uuidString.lowercased(), requestID: request.id, sequence: 0, type: "submitted",
                                         actor: "officer.vn", at: .now(), payload: CaseEvent.submitted(request).payload))
            if batch.events.count == 500 {
                XCTAssertNoThrow(try store.appendAndWait(batch).get())
                batch = WriteBatch()
            }
        }
        if !batch.events.isEmpty { XCTAssertNoThrow(try store.appendAndWait(batch).get()) }
        XCTAssertFalse(try store.projectionIsCurrent(), "events without snapshots: the start replays the log")
        store.close()
    }

    func testReloadsDuringTheReplayWaitForItAndAreEachReportedOnceInForce() throws {
        try fillLog(requests: 3_000)
        let daemon = try makeDaemon()
        let reloads = DispatchGroup()
        let outcomes = Outcomes()
        let started = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do { try daemon.start() } catch { outcomes.add("start failed: \(error)") }
            outcomes.add("started")
            started.signal()
        }
        for _ in 0..<5 {
            reloads.enter()
            daemon.reload { ok in
                outcomes.add(ok ? "reloaded" : "refused")
                reloads.leave()
            }
        }
        XCTAssertEqual(started.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(reloads.wait(timeout: .now() + 60), .success)
        let seen = outcomes.all
        XCTAssertEqual(seen.filter { $0 == "reloaded" }.count, 5, "\(seen)")
        XCTAssertEqual(daemon.desk.queue.sync { daemon.desk.cases.count }, 3_000, "every request replayed")
        let stopped = DispatchSemaphore(value: 0)
        daemon.stop(exit: false) { stopped.signal() }
        XCTAssertEqual(stopped.wait(timeout: .now() + 60), .success)
    }

    func testABadFileRefusesTheReloadAndKeepsWhatRuns() throws {
        let daemon = try makeDaemon()
        try daemon.start()
        let policyBefore = daemon.settings.policy
        try "priorities: {urgent: {deliver_within: soon}}".write(toFile: folder.path("policy.yaml"), atomically: true, encoding: .utf8)
        let done = DispatchSemaphore(value: 0)
        let outcomes = Outcomes()
        daemon.reload { ok in outcomes.add(ok ? "reloaded" : "refused"); done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(outcomes.all, ["refused"])
        XCTAssertEqual(daemon.settings.policy, policyBefore)
        let stopped = DispatchSemaphore(value: 0)
        daemon.stop(exit: false) { stopped.signal() }
        XCTAssertEqual(stopped.wait(timeout: .now() + 60), .success)
    }
}

final class Outcomes: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
