import ContactPointClient
import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// Deadlines that pass in seconds (the test policy), escalations up the ladder, alerts
/// live over Server-Sent Events, and restarts that neither lose nor repeat them.
final class EscalationEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    override func setUpWithError() throws { daemon = try E2E.localDaemon() }
    override func tearDown() { daemon?.stop() }

    func submitEmergency() throws -> String {
        let id = UUID().uuidString.lowercased()
        let r = try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                json: E2E.requestJSON(id: id, priority: "emergency", kind: "emergency-disclosure"))
        XCTAssertEqual(r.status, 201, r.body)
        return id
    }

    func escalations(_ id: String) throws -> [(deadline: String, level: Int)] {
        let v = try daemon.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json
        return (v["history"]?.arrayValue ?? []).filter { $0["type"] == "escalated" }.map {
            ($0["details"]?["deadline"]?.stringValue ?? "", $0["details"]?["level"]?.intValue ?? 0)
        }
    }

    func testAnEmergencyClimbsItsLadderAndEverySubscriberSeesEveryAlert() throws {
        let first = AlertCollector(), second = AlertCollector()
        let client = try E2E.client(daemon, "supervisor.de.eva")
        defer { client.close() }
        let watchA = client.watch(onAlert: { a, _ in first.add(a) }, onState: { first.state($0) })
        defer { watchA.cancel() }
        E2E.eventually(10, "the first subscriber connects") { first.log.contains { $0.hasPrefix("connected") } }
        let watchB = client.watch(onAlert: { a, _ in second.add(a) }, onState: { second.state($0) })
        E2E.eventually(10, "the second subscriber connects") { second.log.contains { $0.hasPrefix("connected") } }

        let id = try submitEmergency()
        // Acknowledge is due after 2s; the ladder steps at +0s, +2s, +4s.
        E2E.eventually(20, "level 1") { second.alerts.contains { $0["level"] == 1 } }
        watchB.cancel()
        let lastSeen = try XCTUnwrap(second.alerts.last?["id"]?.intValue, "\(second.alerts)")
        E2E.eventually(30, "level 3 on the first subscriber") { first.alerts.contains { $0["level"] == 3 && $0["deadline"] == "acknowledge" } }

        let ladder = first.alerts.filter { $0["request_id"]?.stringValue == id && $0["deadline"] == "acknowledge" }
        XCTAssertEqual(ladder.compactMap { $0["level"]?.intValue }, [1, 2, 3])
        let level2 = try XCTUnwrap(ladder.dropFirst().first, "\(ladder)")
        XCTAssertEqual(level2["kind"], "overdue")
        XCTAssertEqual(level2["contact_point"], "DE", "DE owes the acknowledgement")
        XCTAssertEqual(level2["reason"], "overdue(acknowledge, level: 2)")
        XCTAssertEqual(level2["notify"]?.arrayValue?.compactMap { $0["role"]?.stringValue }, ["supervisor", "partner"])
        XCTAssertEqual(level2["notify"]?[0]?["identities"], ["supervisor.de.eva"])
        XCTAssertEqual(level2["notify"]?[1]?["contact_point"], "VN")
        XCTAssertGreaterThanOrEqual(level2["late_by_seconds"]?.intValue ?? 0, 2)
        XCTAssertTrue(level2["summary"]?.stringValue?.contains("acknowledge by DE was due") ?? false, "\(level2)")

        // The second subscriber comes back with Last-Event-ID and misses none.
        let resumed = AlertCollector()
        let watchC = client.watch(after: "\(lastSeen)", onAlert: { a, _ in resumed.add(a) }, onState: { resumed.state($0) })
        defer { watchC.cancel() }
        E2E.eventually(10, "the resumed subscriber catches up") { resumed.alerts.contains { $0["level"] == 3 && $0["request_id"]?.stringValue == id } }
        let union = (second.alerts + resumed.alerts).filter { $0["request_id"]?.stringValue == id && $0["deadline"] == "acknowledge" }
        XCTAssertEqual(union.compactMap { $0["level"]?.intValue }, [1, 2, 3], "nothing missed, nothing twice")

        // The log agrees: one escalation per level.
        XCTAssertEqual(try escalations(id).filter { $0.deadline == "acknowledge" }.map(\.level), [1, 2, 3])
        // curl reads the same stream, resuming from the start.
        let sse = try Subprocess.run("curl", ["-sN", "--max-time", "3", "--cacert", daemon.pki.caCert,
                                              "--cert", daemon.pki.certificate("officer.vn.alice"), "--key", daemon.pki.privateKey("officer.vn.alice"),
                                              "-H", "Last-Event-ID: 0", daemon.url + "/v1/alerts/stream"])
        XCTAssertTrue(sse.stdout.contains("event: alert\ndata: {"), sse.stdout)
        XCTAssertEqual(sse.stdout.components(separatedBy: "\"request_id\":\"\(id)\"").count - 1, 3)
        // And the list, newest first.
        let list = try daemon.curl("officer.vn.alice", "GET", "/v1/alerts").body.json["alerts"]?.arrayValue ?? []
        XCTAssertEqual(list.filter { $0["request_id"]?.stringValue == id }.compactMap { $0["level"]?.intValue }, [3, 2, 1])
    }

    /// The daemon on its test clock (docs/operations.md): time moves when the test says.
    func clockedDaemon(policy: String = PocdProcess.secondsPolicy) throws -> PocdProcess {
        daemon?.stop()
        let d = try PocdProcess(name: "vn-de", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: E2E.localDirectory, policy: policy)
        d.usesTestClock = true
        try d.start()
        daemon = d
        return d
    }

    func testKill9RightAfter201ThenRestartFiresOverdueOnceAtTheLevelNowDue() throws {
        // Acknowledge due 2 s after submission; the ladder steps at +0 s, +3 s and +60 s.
        let policy = PocdProcess.secondsPolicy
            .replacingOccurrences(of: "{after: 2s, level: 2", with: "{after: 3s, level: 2")
            .replacingOccurrences(of: "{after: 4s, level: 3", with: "{after: 60s, level: 3")
        let d = try clockedDaemon(policy: policy)
        let id = try submitEmergency()
        d.kill9()
        // Down past the deadline (2 s) and the second step (+3 s), on the daemon's clock.
        try d.advanceClock(by: 6)
        try d.start()
        let view = try d.curl("officer.de.bob", "GET", "/v1/requests/\(id)")
        XCTAssertEqual(view.status, 200, "the request answered 201 survived kill -9")
        XCTAssertEqual(view.body.json["deadlines"]?[0]?["kind"], "acknowledge", "its deadlines are rescheduled")
        try E2E.eventually(30, "the missed acknowledgement fires") { try !escalations(id).isEmpty }
        // "Once" is judged after the time of the next step has passed: move past it and wait for it.
        try d.advanceClock(by: 60)
        try E2E.eventually(30, "the third step fires") { try escalations(id).contains { $0.level == 3 } }
        XCTAssertEqual(try escalations(id).filter { $0.deadline == "acknowledge" }.map(\.level), [2, 3],
                       "fired once at the level due at restart (level 1 passed while down), then the next step, once")
        // Restart, and kill -9 and restart again: nothing is repeated. The barrier: a second
        // request's first escalation, which the Desk records only after everything due before it.
        XCTAssertEqual(d.stop(), 0)
        try d.start()
        d.kill9()
        try d.start()
        let barrier = try submitEmergency()
        try d.advanceClock(by: 3)
        try E2E.eventually(30, "the second request escalates") { try !escalations(barrier).isEmpty }
        XCTAssertEqual(try escalations(id).filter { $0.deadline == "acknowledge" }.map(\.level), [2, 3], "nothing repeated")
        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, verify.description)
        XCTAssertTrue(verify.stdout.contains("events OK\n"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("requests agree with the log"), verify.stdout)
    }

    func testAcknowledgingStopsTheLadder() throws {
        let d = try clockedDaemon()
        let id = try submitEmergency()
        let ack = try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "{}")
        XCTAssertEqual(ack.body.json["state"], "acknowledged", ack.body)
        // Past the whole acknowledge ladder (2 s + 4 s) and the disclose deadline (30 s: an
        // emergency disclosure's, in place of preserve): its escalation is the positive sign
        // that the daemon has looked at this time.
        try d.advanceClock(by: 31)
        try E2E.eventually(30, "the disclose deadline escalates") { try escalations(id).contains { $0.deadline == "disclose" } }
        XCTAssertEqual(try escalations(id).filter { $0.deadline == "acknowledge" }.count, 0)
    }

    /// Prometheus's own checker finds nothing to say about a live scrape: totals are counters
    /// named `_total`, levels are gauges, every family has its HELP and TYPE.
    func testALiveScrapePassesPromtool() throws {
        let id = try submitEmergency()
        try E2E.eventually(20, "an escalation") { try !escalations(id).isEmpty }
        _ = try daemon.curl("officer.vn.alice", "GET", "/v1/queue")
        let scrape = try daemon.curl("supervisor.vn.minh", "GET", "/metrics")
        XCTAssertEqual(scrape.status, 200, scrape.body)
        let check = try Subprocess.run("promtool", ["check", "metrics"], input: scrape.body + "\n")
        XCTAssertEqual(check.status, 0, "promtool check metrics:\n\(check.stdout)\(check.stderr)")
        XCTAssertEqual(check.stdout + check.stderr, "", "promtool has nothing to say")
        let types = scrape.body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        for line in types {
            let parts = line.split(separator: " ")
            guard parts.count == 4 else { XCTFail("bad TYPE line \(line)"); continue }
            XCTAssertEqual(parts[2].hasSuffix("_total"), parts[3] == "counter", "\(line): counters and only counters end in _total")
        }
    }

    func testMetricsParseAndMove() throws {
        func scrape() throws -> [String: Double] {
            let r = try daemon.curl("supervisor.vn.minh", "GET", "/metrics")
            XCTAssertEqual(r.status, 200, r.body)
            var samples: [String: Double] = [:]
            let sample = try NSRegularExpression(pattern: #"^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})?) (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$"#)
            for line in r.body.split(separator: "\n").map(String.init) where !line.isEmpty {
                if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
                let range = NSRange(line.startIndex..., in: line)
                guard let m = sample.firstMatch(in: line, range: range) else { XCTFail("not Prometheus text: \(line)"); continue }
                let name = String(line[try XCTUnwrap(Range(m.range(at: 1), in: line))])
                samples[name] = Double(line[try XCTUnwrap(Range(m.range(at: 6), in: line))])
            }
            return samples
        }
        let before = try scrape()
        let key = #"contactpoint_submissions_total{kind="emergency-disclosure",priority="emergency"}"#
        let id = try submitEmergency()
        try E2E.eventually(20, "an escalation") { try !escalations(id).isEmpty }
        let after = try scrape()
        XCTAssertEqual((after[key] ?? 0) - (before[key] ?? 0), 1)
        XCTAssertGreaterThan(after[#"contactpoint_escalations_total{deadline="acknowledge",level="1"}"#] ?? 0, 0)
        XCTAssertGreaterThan(after[#"contactpoint_requests{state="delivered"}"#] ?? 0, 0)
        XCTAssertGreaterThan(after[#"contactpoint_http_requests_total{route="/v1/requests",status="201"}"#] ?? 0, 0)
        XCTAssertNotNil(after["contactpoint_outbox_depth"])
        XCTAssertNotNil(after["contactpoint_tls_handshake_failures_total"])
        XCTAssertNotNil(after["contactpoint_store_commits_total"])
        XCTAssertNotNil(after["contactpoint_outbox_parked"])
        XCTAssertGreaterThanOrEqual(after["contactpoint_connections_open"] ?? 0, 1)
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "GET", "/metrics").status, 403, "officers do not scrape")
        let health = try daemon.curl("officer.vn.alice", "GET", "/healthz").body.json
        XCTAssertEqual(health["status"], "ok")
        XCTAssertGreaterThanOrEqual(health["overdue"]?.intValue ?? 0, 1)
    }
}
