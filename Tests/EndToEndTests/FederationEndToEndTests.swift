import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// Three daemons on loopback, VN, DE and US, each with its own certificate, routing
/// requests and events to each other through their durable outboxes.
final class FederationEndToEndTests: XCTestCase {
    var ports: [String: Int] = [:]
    var daemons: [String: PocdProcess] = [:]
    var vn: PocdProcess { daemons["VN"]! }
    var de: PocdProcess { daemons["DE"]! }
    var us: PocdProcess { daemons["US"]! }

    static let people: [String: [(String, String)]] = [
        "VN": [("officer.vn.alice", "officer"), ("supervisor.vn.minh", "supervisor")],
        "DE": [("officer.de.bob", "officer"), ("supervisor.de.eva", "supervisor")],
        "US": [("officer.us.carol", "officer")],
    ]

    /// The directory as `local` sees it: itself local, the others partners.
    /// `pairs`: partners listed as a pair whose first daemon is down (`urls: [dead, live]`).
    func directory(for local: String, identities: [String: String] = [:], pairs: Set<String> = []) -> String {
        var text = "contact_points:\n"
        for code in ["VN", "DE", "US"] {
            text += "  \(code):\n    name: \"\(code) 24/7\"\n"
            let identity = identities[code] ?? "pocd.\(code.lowercased())"
            if code == local {
                text += "    daemon: local\n"
            } else if pairs.contains(code) {
                text += "    daemon: {urls: [\"https://127.0.0.1:1\", \"https://127.0.0.1:\(ports[code]!)\"], identity: \(identity)}\n"
            } else {
                text += "    daemon: {url: \"https://127.0.0.1:\(ports[code]!)\", identity: \(identity)}\n"
            }
            text += "    principals:\n"
            for (id, role) in Self.people[code]! { text += "      - {identity: \(id), role: \(role)}\n" }
            if code != local { text += "      - {identity: \(identity), role: daemon}\n" }
        }
        return text
    }

    func makeDaemons(policy: String = PocdProcess.secondsPolicy, serverIdentity: [String: String] = [:]) throws {
        for code in ["VN", "DE", "US"] { ports[code] = FreePort.next() }
        for code in ["VN", "DE", "US"] {
            daemons[code] = try PocdProcess(name: code.lowercased(), pki: E2E.pki(), serverIdentity: serverIdentity[code] ?? "pocd.\(code.lowercased())",
                                            contactPoints: [code], directory: directory(for: code), policy: policy, port: ports[code]!)
        }
    }

    override func tearDown() {
        for d in daemons.values { d.stop() }
    }

    func view(_ d: PocdProcess, _ identity: String, _ id: String) throws -> JSONValue {
        let r = try d.curl(identity, "GET", "/v1/requests/\(id)")
        return r.status == 200 ? r.body.json : .null
    }

    func types(_ v: JSONValue) -> [String] { v["history"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [] }

    func submit(_ d: PocdProcess, _ identity: String, id: String = UUID().uuidString.lowercased(), from: String = "VN", to: String = "DE",
                priority: String = "urgent") throws -> String {
        let r = try d.curl(identity, "POST", "/v1/requests", json: E2E.requestJSON(id: id, from: from, to: to, priority: priority))
        XCTAssertEqual(r.status, 201, r.body)
        return id
    }

    /// An erasure on one side (docs/privacy.md §4) reaches the other daemon as an event: it
    /// records that the partner erased, and keeps its own copy under its own retention.
    func testAnErasureIsForwardedAndThePartnerRecordsItButKeepsItsCopy() throws {
        try makeDaemons()
        for d in daemons.values { try d.start() }
        let id = try submit(vn, "officer.vn.alice")
        try E2E.eventually(20, "DE stores it") { try view(de, "officer.de.bob", id)["state"] == "delivered" }
        let erase = try vn.curl("supervisor.vn.minh", "POST", "/v1/requests/\(id)/erase", json: #"{"reason":"order 2026/9 of the court"}"#)
        XCTAssertEqual(erase.status, 200, erase.body)
        XCTAssertNil(erase.body.json["request"], erase.body)
        try E2E.eventually(20, "DE records VN's erasure") { try view(de, "officer.de.bob", id)["partner_erased"]?["why"] == "order" }
        let there = try view(de, "officer.de.bob", id)
        XCTAssertNotNil(there["request"], "DE keeps its copy: \(there)")
        XCTAssertNil(there["content_erased"])
        XCTAssertEqual(types(there).last, "partner-erased")
        XCTAssertEqual(there["history"]?.arrayValue?.last?["actor"], "supervisor.vn.minh via pocd.vn")
        // A partner may not forge an erasure for a request it is not a party to.
        let forged = #"{"id":"\#(UUID().uuidString.lowercased())","request_id":"\#(id)","type":"content-erased","actor":"x","at":"2026-11-23T10:00:00Z","payload":{"why":"order","reason":"forged"}}"#
        XCTAssertEqual(try de.curl("pocd.us", "POST", "/v1/requests/\(id)/events", json: forged).status, 403)
        for d in [vn, de] { XCTAssertEqual(try d.pocd(["audit", "verify", "--config", "CONFIG"]).status, 0) }
    }

    /// A request waiting for a partner that is down waits sealed (docs/privacy.md §2); erased
    /// before it could be delivered, it is never sent, and the partner is not told of an
    /// erasure of a request it never had.
    func testARequestWaitingForAPartnerIsSealedAndAnErasureBeforeDeliveryDropsIt() throws {
        try E2E.requireSQLite()
        try makeDaemons()
        try vn.start()  // DE is down
        let id = UUID().uuidString.lowercased()
        let identifier = "waiting-\(UUID().uuidString.prefix(8).lowercased())@example.org"
        let posted = try vn.curl("officer.vn.alice", "POST", "/v1/requests",
                                 json: E2E.requestJSON(id: id).replacingOccurrences(of: "x@example.org", with: identifier))
        XCTAssertEqual(posted.status, 201, posted.body)
        func sql(_ query: String) throws -> String {
            try Subprocess.run("sqlite3", [vn.dataPath + "/events.sqlite", query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(try sql("SELECT count(*) FROM outbox WHERE kind = 'partner-request' AND delivered_ms IS NULL"), "1")
        for file in ["events.sqlite", "events.sqlite-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: vn.dataPath + "/" + file))) ?? Data()
            XCTAssertNil(bytes.range(of: Data(identifier.utf8)), "\(file) holds the waiting request sealed")
        }
        let erase = try vn.curl("supervisor.vn.minh", "POST", "/v1/requests/\(id)/erase", json: #"{"reason":"order 3"}"#)
        XCTAssertEqual(erase.status, 200, erase.body)
        try de.start()
        try E2E.eventually(60, "VN's next attempt finds no key and drops the message") {
            try sql("SELECT count(*) FROM outbox WHERE kind = 'partner-request' AND dropped_ms IS NOT NULL") == "1"
        }
        XCTAssertTrue(try sql("SELECT resolution FROM outbox WHERE kind = 'partner-request'").contains("erased before delivery"))
        XCTAssertEqual(try sql("SELECT count(*) FROM outbox WHERE kind = 'partner-event'"), "0", "no erasure sent for a request DE never had")
        XCTAssertEqual(try de.curl("officer.de.bob", "GET", "/v1/requests/\(id)").status, 404, "DE never received it")
    }

    /// A partner that runs a pair: its first daemon cannot be reached, so the outbox goes to
    /// the next address at once, and the request and its events arrive, once each.
    func testAPartnerListedAsAPairIsReachedAtItsSecondAddress() throws {
        try makeDaemons()
        try vn.writeDirectory(directory(for: "VN", pairs: ["DE"]))
        for d in [vn, de] { try d.start() }
        let id = try submit(vn, "officer.vn.alice")
        try E2E.eventually(20, "delivered through DE's second address") {
            try view(vn, "officer.vn.alice", id)["state"] == "delivered" && view(de, "officer.de.bob", id)["state"] == "delivered"
        }
        XCTAssertEqual(try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "{}").status, 200)
        XCTAssertEqual(try vn.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/extend", json: #"{"days":30}"#).status, 409,
                       "not preserved yet: nothing to extend")
        try E2E.eventually(20, "VN learns of the acknowledgement") { try view(vn, "officer.vn.alice", id)["state"] == "acknowledged" }
        XCTAssertEqual(types(try view(de, "officer.de.bob", id)), ["submitted", "delivered", "acknowledged"], "each once")
    }

    func testARequestTravelsAndBothSidesShowTheSameStateAndHistory() throws {
        try makeDaemons()
        for d in daemons.values { try d.start() }
        let id = try submit(vn, "officer.vn.alice")
        try E2E.eventually(20, "DE stores it and VN records the receipt") {
            try view(vn, "officer.vn.alice", id)["state"] == "delivered" && view(de, "officer.de.bob", id)["state"] == "delivered"
        }
        XCTAssertEqual(types(try view(vn, "officer.vn.alice", id)), ["submitted", "delivered"])
        XCTAssertEqual(try view(vn, "officer.vn.alice", id)["history"]?[1]?["actor"], "pocd.de", "the receipt is DE's daemon's")
        XCTAssertEqual(types(try view(de, "officer.de.bob", id)), ["submitted", "delivered"])
        XCTAssertEqual(try view(de, "officer.de.bob", id)["request"], try view(vn, "officer.vn.alice", id)["request"])

        XCTAssertEqual(try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "{}").status, 200)
        XCTAssertEqual(try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve", json: #"{"provider_reference":"EM-4471"}"#).status, 200)
        try E2E.eventually(20, "VN sees the preservation") { try view(vn, "officer.vn.alice", id)["state"] == "preserved" }
        XCTAssertEqual(try view(vn, "officer.vn.alice", id)["expires_at"], try view(de, "officer.de.bob", id)["expires_at"])

        XCTAssertEqual(try vn.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/extend", json: #"{"days":30}"#).status, 200)
        try E2E.eventually(20, "DE sees the extension") { try types(view(de, "officer.de.bob", id)).last == "extended" }
        let expected = ["submitted", "delivered", "acknowledged", "preserved", "extended"]
        XCTAssertEqual(types(try view(vn, "officer.vn.alice", id)), expected)
        XCTAssertEqual(types(try view(de, "officer.de.bob", id)), expected)
        XCTAssertEqual(try view(vn, "officer.vn.alice", id)["expires_at"], try view(de, "officer.de.bob", id)["expires_at"])
        let relayed = try view(vn, "officer.vn.alice", id)["history"]?[2]
        XCTAssertEqual(relayed?["actor"], "officer.de.bob via pocd.de")
        // Each daemon keeps its own chain, and both verify.
        for d in [vn, de] { XCTAssertEqual(try d.pocd(["audit", "verify", "--config", "CONFIG"]).status, 0) }

        // A partner may act only for the contact point it hosts.
        let forged = #"{"id":"\#(UUID().uuidString.lowercased())","request_id":"\#(id)","type":"released","actor":"x","at":"2026-11-23T10:00:00Z","payload":{"reason":"forged"}}"#
        let refused = try vn.curl("pocd.us", "POST", "/v1/requests/\(id)/events", json: forged)
        XCTAssertEqual(refused.status, 403, refused.body)
        XCTAssertEqual(refused.body.json["errors"]?[0]?["field"], "type")

        // A retried delivery of an event VN already has is stored once (200) — for DE's daemon
        // only: another daemon learns nothing about the event from the answer.
        let acknowledged = try XCTUnwrap(view(vn, "officer.vn.alice", id)["history"]?[2], "VN's history has the acknowledgement")
        let ackID = try XCTUnwrap(acknowledged["id"]?.stringValue), ackAt = try XCTUnwrap(acknowledged["at"]?.stringValue)
        let again = #"{"id":"\#(ackID)","request_id":"\#(id)","type":"acknowledged","actor":"officer.de.bob","at":"\#(ackAt)","payload":{}}"#
        let duplicate = try vn.curl("pocd.de", "POST", "/v1/requests/\(id)/events", json: again)
        XCTAssertEqual(duplicate.status, 200, duplicate.body)
        XCTAssertEqual(duplicate.body.json["duplicate"], true)
        XCTAssertEqual(try vn.curl("pocd.us", "POST", "/v1/requests/\(id)/events", json: again).status, 403)
        XCTAssertEqual(types(try view(vn, "officer.vn.alice", id)), expected, "nothing added")
    }

    func testAThirdCountryDisclosureLeadsToALinkedRequest() throws {
        try makeDaemons()
        for d in daemons.values { try d.start() }
        let id = try submit(vn, "officer.vn.alice")
        try E2E.eventually(20, "delivered") { try view(de, "officer.de.bob", id)["state"] == "delivered" }
        XCTAssertEqual(try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "{}").status, 200)
        let disclosed = try de.poc("officer.de.bob", ["disclose-traffic", id, "--provider", "Relay Networks Inc=US",
                                                      "--provider", "Mailer GmbH=DE",
                                                      "--path", "the mail was relayed through relay.example.com"])
        XCTAssertEqual(disclosed.status, 0, disclosed.description)
        try E2E.eventually(20, "VN sees the disclosure") { try types(view(vn, "officer.vn.alice", id)).last == "traffic-disclosed" }
        // The daemon prepared the follow-on: to the third country only (DE is a party already), linked, without an id.
        let drafts = try XCTUnwrap(view(vn, "officer.vn.alice", id)["follow_on_drafts"]?.arrayValue)
        XCTAssertEqual(drafts.map { $0["to"] }, ["US"])
        XCTAssertNil(drafts[0]["request"]?["id"])
        XCTAssertEqual(drafts[0]["request"]?["to"], "US")
        XCTAssertEqual(drafts[0]["request"]?["extends"]?.stringValue, id)
        XCTAssertEqual(drafts[0]["request"]?["custodian"], ["name": "Relay Networks Inc", "location": "US"])
        XCTAssertTrue(drafts[0]["request"]?["necessity"]?.stringValue?.hasSuffix("in US: the mail was relayed through relay.example.com") ?? false,
                      "\(drafts)")
        let refusedTarget = try vn.poc("officer.vn.alice", ["submit", "--from-disclosure", id, "--to", "FR"])
        XCTAssertNotEqual(refusedTarget.status, 0)
        XCTAssertTrue(refusedTarget.stderr.contains("the disclosure names US, not FR"), refusedTarget.stderr)

        let linked = try vn.poc("officer.vn.alice", ["submit", "--from-disclosure", id, "--json"])
        XCTAssertEqual(linked.status, 0, linked.description)
        let newID = try XCTUnwrap(linked.stdout.json["id"]?.stringValue, linked.stdout)
        XCTAssertEqual(linked.stdout.json["to"], "US")
        XCTAssertEqual(linked.stdout.json["request"]?["extends"]?.stringValue, id)
        XCTAssertEqual(linked.stdout.json["request"]?["custodian"]?["name"], "Relay Networks Inc")
        try E2E.eventually(20, "US receives the linked request") { try view(us, "officer.us.carol", newID)["state"] == "delivered" }

        // VN's officer was told the follow-on is needed, without watching the queue; DE, which disclosed, was not.
        let told = try alerts(vn, "officer.vn.alice").filter { $0["event"] == "traffic-disclosed" && $0["request_id"]?.stringValue == id }
        XCTAssertEqual(told.count, 1, "\(told)")
        XCTAssertEqual(told.first?["kind"], "counterpart")
        XCTAssertEqual(told.first?["contact_point"], "VN")
        XCTAssertEqual(told.first?["notify"]?[0]?["identities"], ["officer.vn.alice"])
        XCTAssertTrue(told.first?["summary"]?.stringValue?.contains("naming a provider in US") ?? false, "\(told)")
        XCTAssertTrue(told.first?["summary"]?.stringValue?.contains("poc submit --from-disclosure \(id)") ?? false, "\(told)")
        XCTAssertFalse(told.first?["summary"]?.stringValue?.contains("Relay Networks") ?? true, "sealed content stays out of alerts")
        XCTAssertEqual(try alerts(de, "officer.de.bob").filter { $0["event"] == "traffic-disclosed" }, [])
        // Both requests show their link, each from its own side.
        XCTAssertEqual(try view(vn, "officer.vn.alice", id)["links"]?["extended_by"], [.string(newID)])
        XCTAssertEqual(try view(vn, "officer.vn.alice", newID)["links"]?["extends"]?.stringValue, id)
        XCTAssertEqual(try view(us, "officer.us.carol", newID)["links"]?["extends"]?.stringValue, id)
    }

    /// One set of deadlines on both sides: DE's clock runs an hour ahead (as after an outage,
    /// or a wrong clock), yet DE counts acknowledge and preserve from VN's submit time, which
    /// the forwarded request carries; VN reports DE's clock offset from DE's receipt.
    func testBothSidesCountTheDeadlinesFromTheRequestingSidesSubmitTime() throws {
        try makeDaemons()
        de.usesTestClock = true
        try de.advanceClock(by: 3600)
        for d in daemons.values { try d.start() }
        let id = try submit(vn, "officer.vn.alice")
        try E2E.eventually(20, "delivered on both sides") {
            try view(de, "officer.de.bob", id)["state"] == "delivered" && view(vn, "officer.vn.alice", id)["state"] == "delivered"
        }
        let here = try view(vn, "officer.vn.alice", id), there = try view(de, "officer.de.bob", id)
        func due(_ v: JSONValue) -> [String] { v["deadlines"]?.arrayValue?.map { "\($0["kind"]?.stringValue ?? ""):\($0["due_at"]?.stringValue ?? "")" } ?? [] }
        XCTAssertEqual(due(there), due(here), "one set of deadlines")
        XCTAssertEqual(due(here).count, 2, "\(here)")
        XCTAssertEqual(there["submitted_at"], here["submitted_at"])
        // DE's own receipt is on DE's clock: an hour after; VN sees the offset and says so.
        let receipt = there["history"]?.arrayValue?.first { $0["type"] == "delivered" }?["at"]?.stringValue.flatMap(Instant.init(rfc3339:))
        let submitted = here["submitted_at"]?.stringValue.flatMap(Instant.init(rfc3339:))
        XCTAssertGreaterThan(try XCTUnwrap(receipt).milliseconds(since: try XCTUnwrap(submitted)), 3_500_000)
        let metrics = try vn.curl("supervisor.vn.minh", "GET", "/metrics").body
        let line = try XCTUnwrap(metrics.split(separator: "\n").first { $0.hasPrefix("contactpoint_partner_clock_offset_seconds{partner=\"DE\"}") }, metrics)
        let offset = try XCTUnwrap(Double(line.split(separator: " ").last ?? ""), String(line))
        XCTAssertEqual(offset, 3600, accuracy: 30)
        XCTAssertTrue(vn.readLog().contains("a partner daemon's clock is off"), "the skew is reported")
    }

    /// Second Protocol art. 9 / UN art. 41: an emergency is answered by disclosing the data
    /// within the emergency deadline, not by preserving them; the requesting side is told,
    /// and sees the facts of the emergency in `poc show`.
    func testAnEmergencyIsDisclosedWithinItsDeadline() throws {
        try makeDaemons()
        for d in daemons.values { try d.start() }
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try vn.curl("officer.vn.alice", "POST", "/v1/requests",
                                   json: E2E.requestJSON(id: id, priority: "emergency", kind: "emergency-disclosure")).status, 201)
        try E2E.eventually(20, "delivered") { try view(de, "officer.de.bob", id)["state"] == "delivered" }
        XCTAssertEqual(try de.poc("officer.de.bob", ["acknowledge", String(id.prefix(8))]).status, 0)
        let running = try view(de, "officer.de.bob", id)["deadlines"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }
        XCTAssertEqual(running, ["disclose"], "an emergency's deadline is to disclose, not to preserve")
        let preserve = try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve", json: #"{"provider_reference":"P-1"}"#)
        XCTAssertEqual(preserve.status, 422, preserve.body)
        XCTAssertEqual(preserve.body.json["errors"]?[0]?["field"], "action")
        let disclosed = try de.poc("officer.de.bob", ["disclose", id, "--provider-reference", "EM-DISC-7",
                                                      "--handed-over", "encrypted archive to duty@example.vn, key by phone"])
        XCTAssertEqual(disclosed.status, 0, disclosed.description)
        XCTAssertTrue(disclosed.stdout.contains("is now disclosed"), disclosed.stdout)
        try E2E.eventually(20, "VN sees the disclosure") { try view(vn, "officer.vn.alice", id)["state"] == "disclosed" }
        let there = try view(vn, "officer.vn.alice", id)
        let event = there["history"]?.arrayValue?.last
        XCTAssertEqual(event?["type"], "disclosed")
        XCTAssertEqual(event?["details"]?["handed_over"], "encrypted archive to duty@example.vn, key by phone")
        XCTAssertEqual(there["history"]?.arrayValue?.filter { $0["type"] == "escalated" && $0["details"]?["deadline"] == "disclose" }.count, 0,
                       "disclosed within its deadline: nothing escalated")
        XCTAssertEqual(there["deadlines"], [], "an end: nothing runs")
        try E2E.eventually(20, "VN's officer is told") {
            try alerts(vn, "officer.vn.alice").contains { $0["event"] == "disclosed" && $0["request_id"]?.stringValue == id }
        }
        let shown = try vn.poc("officer.vn.alice", ["show", id])
        XCTAssertTrue(shown.stdout.contains("emergency: a threat to kill a named person was posted an hour ago"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("why these data: the poster's account data identify the author"), shown.stdout)
        // A preservation request is not answered with disclose.
        let other = try submit(vn, "officer.vn.alice")
        try E2E.eventually(20, "delivered") { try view(de, "officer.de.bob", other)["state"] == "delivered" }
        let wrong = try de.curl("officer.de.bob", "POST", "/v1/requests/\(other)/disclose",
                                json: #"{"provider_reference":"X","handed_over":"Y"}"#)
        XCTAssertEqual(wrong.status, 422, wrong.body)
        XCTAssertTrue(wrong.body.contains("disclose answers an emergency-disclosure request"), wrong.body)
    }

    func alerts(_ d: PocdProcess, _ identity: String) throws -> [JSONValue] {
        try d.curl(identity, "GET", "/v1/alerts?limit=10000").body.json["alerts"]?.arrayValue ?? []
    }

    /// UN art. 42 / Budapest 29(6): a risk notice asks the requesting side to proceed or
    /// withdraw. Its officer is alerted at once, and the answer's deadline climbs the ladder
    /// like any other; each counterpart action is news on the other side only.
    func testARiskNoticeAlertsTheRequestingOfficerAndItsAnswerDeadlineEscalates() throws {
        try makeDaemons()
        for d in daemons.values { try d.start() }
        let id = try submit(vn, "officer.vn.alice", priority: "emergency")  // answer within 2 s; ladder at +0, +2, +4 s
        try E2E.eventually(20, "delivered") { try view(de, "officer.de.bob", id)["state"] == "delivered" }
        let risk = try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/notify-risk",
                               json: #"{"reason":"the provider tells its users of every preservation order"}"#)
        XCTAssertEqual(risk.status, 200, risk.body)
        try E2E.eventually(20, "VN's officer is alerted") {
            try alerts(vn, "officer.vn.alice").contains { $0["event"] == "risk-notified" && $0["request_id"]?.stringValue == id }
        }
        let notice = try XCTUnwrap(try alerts(vn, "officer.vn.alice").first { $0["event"] == "risk-notified" })
        XCTAssertEqual(notice["kind"], "counterpart")
        XCTAssertEqual(notice["reason"], "counterpart(risk-notified)")
        XCTAssertEqual(notice["level"], 1)
        XCTAssertEqual(notice["contact_point"], "VN")
        XCTAssertTrue(notice["summary"]?.stringValue?.contains("VN must answer proceed or withdraw by") ?? false, "\(notice)")
        XCTAssertFalse(notice["summary"]?.stringValue?.contains("tells its users") ?? true, "the reason is content: it stays in the request")
        XCTAssertEqual(try alerts(de, "officer.de.bob").filter { $0["kind"] == "counterpart" }, [], "DE acted; DE is not told")
        // Unanswered, the answer deadline escalates on VN's side, which owes it.
        try E2E.eventually(30, "the answer-risk deadline reaches level 2") {
            try alerts(vn, "officer.vn.alice").contains { $0["deadline"] == "answer-risk" && $0["level"] == 2 && $0["request_id"]?.stringValue == id }
        }
        let ladder = try view(vn, "officer.vn.alice", id)["history"]?.arrayValue?
            .filter { $0["type"] == "escalated" && $0["details"]?["deadline"] == "answer-risk" }.compactMap { $0["details"]?["level"]?.intValue } ?? []
        XCTAssertEqual(Array(ladder.prefix(2)), [1, 2])
        // VN proceeds: DE is told to preserve now.
        XCTAssertEqual(try vn.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/proceed").status, 200)
        try E2E.eventually(20, "DE's officer is told") {
            try alerts(de, "officer.de.bob").contains { $0["event"] == "proceeded" && $0["contact_point"] == "DE" }
        }
        // DE refuses in the end: VN is told, with the ground and not the reason.
        XCTAssertEqual(try de.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse",
                                   json: #"{"ground":"essential-interests","reason":"a matter of state security"}"#).status, 200)
        try E2E.eventually(20, "VN's officer learns of the refusal") {
            try alerts(vn, "officer.vn.alice").contains { $0["event"] == "refused" && ($0["summary"]?.stringValue?.contains("ground: essential-interests") ?? false) }
        }
        XCTAssertFalse(try alerts(vn, "officer.vn.alice").contains { $0["summary"]?.stringValue?.contains("state security") ?? false })
        // The alerts survive a restart (the log holds them; the alerts index lists these events).
        vn.stop()
        try vn.start()
        XCTAssertEqual(try alerts(vn, "officer.vn.alice").filter { $0["kind"] == "counterpart" && $0["request_id"]?.stringValue == id }
            .compactMap { $0["event"]?.stringValue }, ["refused", "risk-notified"])
    }

    func testAPartnerThatIsDownGetsTheRequestExactlyOnceWhenItReturns() throws {
        try makeDaemons()
        try vn.start()
        let id = try submit(vn, "officer.vn.alice")
        XCTAssertEqual(try view(vn, "officer.vn.alice", id)["state"], "submitted", "accepted and queued")
        try E2E.eventually(10, "the outbox holds it") {
            try vn.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_depth"] == 1
        }
        E2E.eventually(30, "a few failed attempts, backing off") {
            vn.readLog().components(separatedBy: "outbox delivery failed; will retry").count - 1 >= 2
        }
        try de.start()
        try E2E.eventually(60, "delivered once DE is back") { try view(vn, "officer.vn.alice", id)["state"] == "delivered" }
        XCTAssertEqual(types(try view(de, "officer.de.bob", id)), ["submitted", "delivered"])
        XCTAssertEqual(types(try view(vn, "officer.vn.alice", id)), ["submitted", "delivered"])
        XCTAssertEqual(try vn.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_depth"], 0)
        XCTAssertTrue(vn.readLog().contains("outbox delivery failed; will retry"))
    }

    func testKill9OfTheSenderInTheMiddleOfDeliveriesLosesAndDuplicatesNothing() throws {
        try makeDaemons()
        try vn.start()
        var ids: [String] = []
        for _ in 0..<25 { ids.append(try submit(vn, "officer.vn.alice")) }
        try de.start()
        // Kill VN once deliveries are under way: DE has stored at least one of them.
        try E2E.eventually(60, "the first delivery") {
            (try de.curl("officer.de.bob", "GET", "/v1/queue?direction=incoming").body.json["count"]?.intValue ?? 0) >= 1
        }
        vn.kill9()
        try vn.start()
        try E2E.eventually(90, "all 25 delivered") {
            try ids.allSatisfy { try view(vn, "officer.vn.alice", $0)["state"] == "delivered" }
        }
        for id in ids {
            XCTAssertEqual(types(try view(de, "officer.de.bob", id)), ["submitted", "delivered"], "DE stored \(id) once")
            XCTAssertEqual(types(try view(vn, "officer.vn.alice", id)), ["submitted", "delivered"], "VN recorded one receipt for \(id)")
        }
        XCTAssertEqual(try de.curl("officer.de.bob", "GET", "/v1/queue?direction=incoming").body.json["count"], 25)
        for d in [vn, de] { XCTAssertEqual(try d.pocd(["audit", "verify", "--config", "CONFIG"]).status, 0) }
    }

    func testAPartnerWithAForeignCertificateIsRefusedAndTheDeliveryDeadlineEscalates() throws {
        let fast = PocdProcess.secondsPolicy.replacingOccurrences(of: "deliver_within: 30s", with: "deliver_within: 2s")
        try makeDaemons(policy: fast, serverIdentity: ["DE": "foreign"])
        try vn.start()
        try de.start()
        let id = try submit(vn, "officer.vn.alice", priority: "emergency")
        try E2E.eventually(30, "the delivery deadline escalates") {
            try types(view(vn, "officer.vn.alice", id)).contains("escalated")
        }
        let v = try view(vn, "officer.vn.alice", id)
        XCTAssertEqual(v["state"], "submitted", "never delivered to an impostor")
        XCTAssertEqual(v["history"]?.arrayValue?.last?["details"]?["deadline"], "deliver")
        XCTAssertEqual(try vn.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_depth"], 1, "the outbox keeps the message")
        let alerts = try vn.curl("officer.vn.alice", "GET", "/v1/alerts").body.json["alerts"]?.arrayValue ?? []
        XCTAssertTrue(alerts.contains { $0["request_id"]?.stringValue == id && $0["deadline"] == "deliver" })
        XCTAssertTrue(vn.readLog().contains("certificate"), "the log says why")
        XCTAssertEqual(types(try view(de, "officer.de.bob", id)), [], "DE never saw it")
    }

    /// A partner that refuses a request for good (its directory names VN's old daemon, so
    /// it answers 403 to the new one) neither gets it retried forever nor blocks VN's outbox: the message is
    /// parked, the deliver deadline escalates at once with the refusal as its cause, a supervisor
    /// sees it with `poc outbox --parked`, and once DE is fixed `poc outbox retry` delivers it.
    func testARefusedRequestIsParkedEscalatedAndSentAgainByASupervisor() throws {
        try makeDaemons()
        try de.writeDirectory(directory(for: "DE", identities: ["VN": "pocd.vn.old"]))
        try vn.start()
        try de.start()
        let id = try submit(vn, "officer.vn.alice")
        try E2E.eventually(30, "the refusal parks the message") {
            try vn.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_parked"] == 1
        }
        try E2E.eventually(30, "the deliver deadline escalates at once") { try types(view(vn, "officer.vn.alice", id)).contains("escalated") }
        let v = try view(vn, "officer.vn.alice", id)
        XCTAssertEqual(v["state"], "submitted")
        let escalation = v["history"]?.arrayValue?.last { $0["type"] == "escalated" }
        XCTAssertEqual(escalation?["details"]?["deadline"], "deliver")
        XCTAssertTrue(escalation?["details"]?["cause"]?.stringValue?.contains("HTTP 403") ?? false, "\(String(describing: escalation))")
        XCTAssertEqual(try vn.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_depth"], 0, "not retried: parked")
        XCTAssertTrue(vn.readLog().contains("outbox: refused for good by the receiver; parked"), vn.readLog())

        let table = try vn.poc("supervisor.vn.minh", ["outbox", "--parked"])
        XCTAssertEqual(table.status, 0, table.description)
        XCTAssertTrue(table.stdout.contains("parked") && table.stdout.contains("partner-request") && table.stdout.contains("HTTP 403"), table.stdout)
        XCTAssertNotEqual(try vn.poc("officer.vn.alice", ["outbox"]).status, 0, "the outbox is for supervisors")
        let listed = try vn.poc("supervisor.vn.minh", ["outbox", "--parked", "--json"]).stdout.json
        let messageID = try XCTUnwrap(listed["messages"]?[0]?["id"]?.intValue, "\(listed)")
        XCTAssertEqual(listed["messages"]?[0]?["request_id"]?.stringValue, id)

        // DE lists VN's new daemon now; a supervisor sends the message again.
        try de.writeDirectory(directory(for: "DE"))
        let mark = de.readLog().count
        de.reload()
        E2E.eventually(10, "DE reloads") { de.readLog().dropFirst(mark).contains("reloaded:") }
        let retry = try vn.poc("supervisor.vn.minh", ["outbox", "retry", "\(messageID)", "--reason", "DE added our daemon; confirmed by phone"])
        XCTAssertEqual(retry.status, 0, retry.description)
        XCTAssertTrue(retry.stdout.contains("retried by supervisor.vn.minh"), retry.stdout)
        try E2E.eventually(30, "delivered after the retry") { try view(vn, "officer.vn.alice", id)["state"] == "delivered" }
        XCTAssertEqual(types(try view(de, "officer.de.bob", id)), ["submitted", "delivered"], "DE stored it once")
        XCTAssertEqual(try vn.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_parked"], 0)
        let again = try vn.poc("supervisor.vn.minh", ["outbox", "drop", "\(messageID)", "--reason", "too late"])
        XCTAssertNotEqual(again.status, 0, "a delivered message cannot be dropped")
        XCTAssertTrue(again.stderr.contains("409"), again.stderr)
    }
}
