import ContactPointModel
import Foundation
import HTTP1
import TestSupport
import XCTest

/// Two `pocd` on one real PostgreSQL 15 (a throwaway cluster): one leads, both serve and
/// accept writes; after `kill -9` of the leader the other leads within the lease and fires
/// what falls due, and a real webhook receiver gets each escalation exactly once.
final class PairEndToEndTests: XCTestCase {
    var cluster: PostgresCluster?
    var daemons: [PocdProcess] = []
    var webhook: HTTPServer?
    let received = Received()

    /// A compressed ladder: level 1 at the acknowledge deadline (2 s), level 2 six seconds
    /// later, level 3 twelve: room to kill the leader between levels.
    static let ladder = PocdProcess.secondsPolicy.replacingOccurrences(of: """
              - {after: 2s, level: 2, notify: [supervisor, partner]}
              - {after: 4s, level: 3, notify: [supervisor]}
        """, with: """
              - {after: 6s, level: 2, notify: [supervisor, partner]}
              - {after: 12s, level: 3, notify: [supervisor]}
        """)

    override func setUpWithError() throws {
        guard PostgresCluster.isAvailable else { throw XCTSkip("no PostgreSQL server here (Debian's postgresql)") }
        XCTAssertNotEqual(Self.ladder, PocdProcess.secondsPolicy, "the ladder was stretched")
        cluster = try PostgresCluster(name: "pair")
        let hook = try HTTPServer(host: "127.0.0.1", port: 0, tls: try E2E.pki().serverTLS("webhook.test")) { [received] request, responder in
            received.add(request)
            responder.respond(HTTPResponse(status: 204))
        }
        try hook.start()
        webhook = hook
    }

    override func tearDown() {
        for d in daemons { d.stop() }
        webhook?.stopAccepting()
        cluster?.stop()
    }

    /// A daemon of the pair; the second uses the first one's log key and master key (a pair
    /// is one contact point: one log identity, one set of master keys).
    func member(_ name: String, sharingKeysOf first: PocdProcess? = nil) throws -> PocdProcess {
        let c = try XCTUnwrap(cluster)
        var extra = """
            store:
              postgresql:
                url: "\(c.url)"
                password_file: \(c.passwordFile)
                lease: 4s
            alerts:
              webhooks:
                - {name: pager, url: "https://127.0.0.1:\(webhook!.port)/hooks"}

            """
        if let first {
            extra += """
                audit: {log_key: \(first.dataPath)/log.key, checkpoint_interval: 1s}
                encryption: {keys: [{id: default, file: \(first.dataPath)/master-keys/default.key}]}
                """
        } else {
            extra += "audit: {checkpoint_interval: 1s}"
        }
        let d = try PocdProcess(name: name, pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: E2E.localDirectory, policy: Self.ladder, extraConfig: extra)
        daemons.append(d)
        return d
    }

    func health(_ d: PocdProcess) -> JSONValue {
        ((try? d.curl("officer.vn.alice", "GET", "/healthz"))?.body.json) ?? .null
    }

    func role(_ d: PocdProcess) -> String? { health(d)["role"]?.stringValue }

    /// The webhook's firing alerts, as "request:deadline:level", one entry per delivery.
    var firings: [String] { firingDeliveries.map(\.alert) }

    /// Each firing delivery with its idempotency key (`X-ContactPoint-Event-ID`, the id of the
    /// escalation event, committed with its outbox row): a receiver that keeps the keys it
    /// has seen counts a retried delivery once.
    var firingDeliveries: [(alert: String, key: String)] {
        received.requests.compactMap { headers, body in
            guard let json = try? JSONParser.parse(body), json["status"] == "firing" else { return nil }
            let alert = "\(json["request_id"]?.stringValue ?? "?"):\(json["deadline"]?.stringValue ?? "?"):\(json["level"]?.intValue ?? 0)"
            return (alert, headers["X-ContactPoint-Event-ID"] ?? "")
        }
    }

    func testOneLeaderWritesOnEitherAndAfterKill9TheOtherFiresEachEscalationOnce() throws {
        let a = try member("pair-a")
        try a.start()
        try E2E.eventually(30, "the first daemon leads") { role(a) == "leader" }
        let b = try member("pair-b", sharingKeysOf: a)
        try b.start()
        XCTAssertEqual(role(b), "standby", "\(health(b))")
        XCTAssertNotEqual(health(a)["instance"], health(b)["instance"])
        XCTAssertEqual(role(a), "leader", "still one leader")

        // Writes on either daemon; each sees the other's within a moment (it follows the log).
        var ids: [String] = []
        for (i, d) in [a, b, b, a, b].enumerated() {
            let id = UUID().uuidString.lowercased()
            ids.append(id)
            let r = try d.curl("officer.vn.alice", "POST", "/v1/requests",
                               json: E2E.requestJSON(id: id, priority: "emergency", kind: "emergency-disclosure", reference: "PAIR-\(i)"))
            XCTAssertEqual(r.status, 201, r.body)
        }
        for id in ids {
            try E2E.eventually(10, "both daemons know \(id)") {
                try a.curl("officer.de.bob", "GET", "/v1/requests/\(id)").status == 200
                    && b.curl("officer.de.bob", "GET", "/v1/requests/\(id)").status == 200
            }
        }
        // The same request sent to the other daemon at once, as a client does when the first
        // answer was lost: the same id and content is a retry (200), whether or not that daemon
        // has followed the log yet (if not, its write meets the first in the log and it reads
        // the log before answering), never a 409.
        let again = UUID().uuidString.lowercased()
        let body = E2E.requestJSON(id: again)
        XCTAssertEqual(try a.curl("officer.vn.alice", "POST", "/v1/requests", json: body).status, 201)
        let resent = try b.curl("officer.vn.alice", "POST", "/v1/requests", json: body)
        XCTAssertEqual(resent.status, 200, resent.body)

        // An action on the standby moves the request on the leader too: acknowledged, it is
        // not escalated further (level 1 may have fired before: the deadline is 2 s).
        XCTAssertEqual(try b.curl("officer.de.bob", "POST", "/v1/requests/\(ids[4])/acknowledge", json: "{}").status, 200)
        try E2E.eventually(10, "the leader saw the acknowledgement") {
            try a.curl("officer.de.bob", "GET", "/v1/requests/\(ids[4])").body.json["state"] == "acknowledged"
        }

        // Level 1 fires on the leader, and reaches the receiver; then the leader is killed.
        let open = Array(ids.prefix(4))
        try E2E.eventually(30, "level 1 of every open request reached the webhook") {
            open.allSatisfy { id in firings.contains("\(id):acknowledge:1") }
        }
        try E2E.eventually(30, "the leader recorded every delivery") { health(a)["outbox_depth"] == 0 }
        // Intake goes on through the kill, to either daemon (the other when one cannot be
        // reached, as poc does); every request answered 201 must survive it.
        let outcomes = Outcomes()
        let stopLoad = Flag()
        let loadEnded = DispatchSemaphore(value: 0)
        let load = Thread { [pki = try? E2E.pki()] in
            defer { loadEnded.signal() }
            guard let pki else { return }
            var n = 0
            while !stopLoad.isSet {
                let id = UUID().uuidString.lowercased()
                for d in (n % 2 == 0 ? [a, b] : [b, a]) {
                    let out = try? Subprocess.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                                                           "--cacert", pki.caCert, "--cert", pki.certificate("officer.vn.alice"),
                                                           "--key", pki.privateKey("officer.vn.alice"), "-H", "Content-Type: application/json",
                                                           "--data-binary", "@-", d.url + "/v1/requests"],
                                                  input: E2E.requestJSON(id: id))
                    let status = Int(out?.stdout ?? "") ?? 0
                    outcomes.add(id: id, status: status, retryAfter: nil, unknown: false)
                    if status != 0 { break }  // answered: the other daemon is not asked
                }
                n += 1
            }
        }
        load.start()
        try E2E.eventually(30, "intake under way before the kill") { outcomes.count(201) >= 3 }
        a.kill9()
        let killed = Date()
        try E2E.eventually(15, "the standby leads within the lease") { role(b) == "leader" }
        let takeover = Date().timeIntervalSince(killed)
        print("takeover after kill -9: \(String(format: "%.1f", takeover)) s (lease 4 s)")
        let stored = outcomes.count(201)
        try E2E.eventually(30, "intake goes on after the kill") { outcomes.count(201) >= stored + 3 }
        stopLoad.set()
        XCTAssertEqual(loadEnded.wait(timeout: .now() + 60), .success, "the load thread ended")
        // 200: a request sent again to the other daemon after the first fell silent mid-answer,
        // found stored (the same id is stored once).
        let answered = outcomes.all.filter { $0.status == 201 || $0.status == 200 }
        for o in answered {
            XCTAssertEqual(try b.curl("officer.de.bob", "GET", "/v1/requests/\(o.id)").status, 200, "acknowledged request \(o.id) survived the kill")
        }
        XCTAssertEqual(Set(outcomes.all.map(\.status)).subtracting([0, 200, 201]), [], "only 201 (or 200 for a resend), or no answer from the killed daemon")
        print("intake through the kill: \(answered.count) answered 201, all stored")

        // Levels 2 and 3 fall due after the failover: the new leader fires them, once each.
        try E2E.eventually(60, "levels 2 and 3 of every open request reached the webhook") {
            open.allSatisfy { id in firings.contains("\(id):acknowledge:2") && firings.contains("\(id):acknowledge:3") }
        }
        try E2E.eventually(30, "every delivery recorded") { health(b)["outbox_depth"] == 0 }
        // Each escalation is one notification (one idempotency key); a delivery retried after an
        // answer lost in a failover repeats its key and is counted apart.
        let keys = Dictionary(grouping: firingDeliveries, by: \.alert).mapValues { Set($0.map(\.key)) }
        let counts = keys.mapValues(\.count)
        let retried = firingDeliveries.count - keys.values.map(\.count).reduce(0, +)
        print("webhook: \(firingDeliveries.count) firing deliveries, \(counts.count) notifications, \(retried) retried deliveries")
        if ProcessInfo.processInfo.environment["PAIR_DEBUG"] != nil {
            for (h, body) in received.requests {
                print("DELIVERY", h["X-ContactPoint-Event-ID"] ?? "-", String(decoding: body, as: UTF8.self).prefix(300))
            }
            for (name, d) in [("A", a), ("B", b)] {
                for line in d.readLog().split(separator: "\n") where line.contains("lead") || line.contains("error") || line.contains("critical") || line.contains("warning") {
                    print("LOG", name, line.prefix(400))
                }
            }
            for id in ids {
                print("HISTORY", id, try b.curl("supervisor.vn.minh", "GET", "/v1/requests/\(id)").body.json["history"]?.arrayValue?.map {
                    "\($0["type"]?.stringValue ?? ""):\($0["details"]?["level"]?.intValue ?? -1):\($0["actor"]?.stringValue ?? "")" } ?? [])
            }
        }
        for id in open {
            for level in 1...3 {
                XCTAssertEqual(counts["\(id):acknowledge:\(level)"], 1, "request \(id) level \(level) notified exactly once: \(firingDeliveries)")
            }
        }
        let acknowledged = try b.curl("supervisor.vn.minh", "GET", "/v1/requests/\(ids[4])").body.json["history"]?.arrayValue ?? []
        let afterAck = acknowledged.drop { $0["type"] != "acknowledged" }.filter { $0["type"] == "escalated" }
        XCTAssertTrue(afterAck.isEmpty, "the acknowledged request was not escalated after its acknowledgement: \(acknowledged)")
        XCTAssertNil(counts.keys.first { $0.hasPrefix(ids[4]) && !$0.hasSuffix(":1") },
                     "the acknowledged request was not escalated further: \(firingDeliveries) \(acknowledged)")
        // The log agrees: one escalated event per request and level, whoever fired it.
        for id in open {
            let history = try b.curl("supervisor.vn.minh", "GET", "/v1/requests/\(id)").body.json["history"]?.arrayValue ?? []
            let levels = history.filter { $0["type"] == "escalated" }.compactMap { $0["details"]?["level"]?.intValue }
            XCTAssertEqual(levels, [1, 2, 3], "request \(id)")
        }

        // The killed daemon comes back as the standby; the leader stays.
        try a.start()
        try E2E.eventually(15, "the restarted daemon stands by") { role(a) == "standby" }
        XCTAssertEqual(role(b), "leader")
        let verify = try b.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, "\(verify)")
    }

    /// A clean stop of the leader hands over at once (the lock is given up); a daemon whose
    /// master key differs from the pair's refuses to start and says why.
    func testAStoppedLeaderHandsOverAndAWrongMasterKeyIsRefused() throws {
        let a = try member("pair-a")
        try a.start()
        try E2E.eventually(30, "the first daemon leads") { role(a) == "leader" }
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try a.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)

        // A third daemon without the pair's master key: it says the key is missing, and does not make one.
        let keyless = try member("pair-x")
        XCTAssertThrowsError(try keyless.start(timeout: 30)) { error in
            XCTAssertTrue("\(error)".contains("the master key 'default' this store was sealed with is missing"), "\(error)")
        }
        // One with another key under the same id: refused, naming it.
        let strangerKey = keyless.folder.path("other.key")
        let made = try keyless.pocd(["keys", "generate", "--output", strangerKey])
        XCTAssertEqual(made.status, 0, "\(made)")
        try keyless.writeExtraConfig(keyless.readExtraConfig() + "\nencryption: {keys: [{id: default, file: \(strangerKey)}]}")
        XCTAssertThrowsError(try keyless.start(timeout: 30)) { error in
            XCTAssertTrue("\(error)".contains("encryption key 'default' (\(strangerKey)) is not the key this store was sealed with"), "\(error)")
        }
        let b = try member("pair-b", sharingKeysOf: a)
        try b.start()
        XCTAssertEqual(role(b), "standby")
        // The standby signs nothing, and serves the leader's latest checkpoint.
        try E2E.eventually(30, "the standby serves the leader's checkpoint") {
            let fromLeader = try a.curl("officer.vn.alice", "GET", "/v1/log/checkpoint")
            let fromStandby = try b.curl("officer.vn.alice", "GET", "/v1/log/checkpoint")
            return fromLeader.status == 200 && fromStandby.status == 200 && fromLeader.body == fromStandby.body
        }
        XCTAssertEqual(a.stop(), 0)
        try E2E.eventually(10, "the standby leads once the leader stopped") { role(b) == "leader" }
        let view = try b.curl("officer.de.bob", "GET", "/v1/requests/\(id)")
        XCTAssertEqual(view.status, 200)
        XCTAssertTrue(view.body.contains("Example Mail GmbH"), "the content opens with the shared master key")
    }

    /// The leader's session to the database cut (as a network partition or a DBA would): it
    /// stops leading at once and says so; one of the two leads again within the lease, and
    /// escalations due meanwhile are fired once.
    func testALeaderWhoseSessionIsCutStopsLeadingAndOneLeadsAgain() throws {
        let a = try member("pair-a")
        try a.start()
        try E2E.eventually(30, "the first daemon leads") { role(a) == "leader" }
        let b = try member("pair-b", sharingKeysOf: a)
        try b.start()
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try b.curl("officer.vn.alice", "POST", "/v1/requests",
                                  json: E2E.requestJSON(id: id, priority: "emergency", kind: "emergency-disclosure")).status, 201)
        let c = try XCTUnwrap(cluster)
        let cut = try c.psql("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = \(0x43_50_6c_65_61_64_65_72)
            """)
        XCTAssertEqual(cut, "1", "the leader's lock session was cut")
        try E2E.eventually(15, "the cut leader said it stopped leading") { a.readLog().contains("this daemon stopped leading") }
        try E2E.eventually(15, "one daemon leads again") { [role(a), role(b)].filter { $0 == "leader" }.count == 1 }
        try E2E.eventually(60, "the request's three levels reached the webhook") {
            (1...3).allSatisfy { level in firings.contains("\(id):acknowledge:\(level)") }
        }
        let keys = Dictionary(grouping: firingDeliveries, by: \.alert).mapValues { Set($0.map(\.key)).count }
        for level in 1...3 { XCTAssertEqual(keys["\(id):acknowledge:\(level)"], 1, "level \(level) once: \(firingDeliveries)") }
        let history = try b.curl("supervisor.vn.minh", "GET", "/v1/requests/\(id)").body.json["history"]?.arrayValue ?? []
        XCTAssertEqual(history.filter { $0["type"] == "escalated" }.compactMap { $0["details"]?["level"]?.intValue }, [1, 2, 3])
    }

    /// PostgreSQL restarted under load: while it is down, submissions get `503` with
    /// `Retry-After` and change nothing; once it is back the daemon reconnects by itself, and
    /// every request it answered `201` is there. No other answer is given.
    func testARestartOfPostgreSQLUnderLoadLosesNothingAcknowledged() throws {
        let d = try member("pg-restart")
        try d.start()
        try E2E.eventually(30, "the daemon leads") { role(d) == "leader" }
        let c = try XCTUnwrap(cluster)
        let outcomes = Outcomes()
        let stop = Flag()
        let pki = try E2E.pki()
        let headers = d.folder.path("headers")
        let loadEnded = DispatchSemaphore(value: 0)
        let load = Thread {
            defer { loadEnded.signal() }
            var n = 0
            while !stop.isSet {
                let id = UUID().uuidString.lowercased()
                let out = try? Subprocess.run("curl", ["-s", "-o", headers + "body\(n % 2)", "-w", "%{http_code}", "--max-time", "30",
                                                       "--cacert", pki.caCert, "--cert", pki.certificate("officer.vn.alice"),
                                                       "--key", pki.privateKey("officer.vn.alice"), "-D", headers + "\(n % 2)",
                                                       "-H", "Content-Type: application/json", "--data-binary", "@-", d.url + "/v1/requests"],
                                              input: E2E.requestJSON(id: id))
                let status = Int(out?.stdout ?? "") ?? 0
                let retryAfter = (try? String(contentsOfFile: headers + "\(n % 2)", encoding: .utf8))?
                    .split(separator: "\r\n").first { $0.lowercased().hasPrefix("retry-after:") }.map(String.init)
                let body = (try? String(contentsOfFile: headers + "body\(n % 2)", encoding: .utf8)) ?? ""
                outcomes.add(id: id, status: status, retryAfter: retryAfter, unknown: body.contains("may or may not be stored"))
                n += 1
            }
        }
        load.start()
        try E2E.eventually(30, "some requests stored before the restart") { outcomes.count(201) >= 5 }
        XCTAssertTrue(c.stop(immediately: true), "PostgreSQL stopped (immediate: a crash it recovers from)")
        try E2E.eventually(30, "submissions answered 503 while the database is down") { outcomes.count(503) >= 3 }
        try c.start()
        let before = outcomes.count(201)
        try E2E.eventually(60, "submissions stored again after the restart") { outcomes.count(201) >= before + 5 }
        stop.set()
        XCTAssertEqual(loadEnded.wait(timeout: .now() + 60), .success, "the load thread ended")
        let all = outcomes.all
        XCTAssertEqual(Set(all.map(\.status)).subtracting([201, 503]), [], "only 201 and 503: \(all.map(\.status))")
        for o in all where o.status == 503 {
            XCTAssertEqual(o.retryAfter?.lowercased(), "retry-after: 2", "a 503 says when to try again")
        }
        for o in all where o.status == 201 {
            XCTAssertEqual(try d.curl("officer.de.bob", "GET", "/v1/requests/\(o.id)").status, 200, "acknowledged request \(o.id) is there")
        }
        for o in all where o.status == 503 && !o.unknown {
            XCTAssertEqual(try d.curl("officer.de.bob", "GET", "/v1/requests/\(o.id)").status, 404, "a 503 stored nothing: \(o.id)")
        }
        try E2E.eventually(15, "the daemon leads again (its leadership session reconnects by itself)") { role(d) == "leader" }
        print("restart under load: \(outcomes.count(201)) stored, \(outcomes.count(503)) answered 503")
    }
}

/// What a load thread saw, read by the test thread.
final class Outcomes: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    /// `unknown`: a 503 that says the commit's outcome is unknown (the database went away during it).
    private var items: [(id: String, status: Int, retryAfter: String?, unknown: Bool)] = []
    func add(id: String, status: Int, retryAfter: String?, unknown: Bool) {
        lock.lock(); items.append((id, status, retryAfter, unknown)); lock.unlock()
    }
    func count(_ status: Int) -> Int { lock.lock(); defer { lock.unlock() }; return items.filter { $0.status == status }.count }
    var all: [(id: String, status: Int, retryAfter: String?, unknown: Bool)] { lock.lock(); defer { lock.unlock() }; return items }
}

final class Flag: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
