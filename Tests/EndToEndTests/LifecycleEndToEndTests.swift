import ContactPointClient
import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// The life of a preservation request through a real pocd, driven with curl and the
/// project's client, with the state and history checked from both sides.
final class LifecycleEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    override func setUpWithError() throws { daemon = try E2E.localDaemon() }
    override func tearDown() { daemon?.stop() }

    func state(_ id: String, as identity: String) throws -> (state: String, history: [String]) {
        let r = try daemon.curl(identity, "GET", "/v1/requests/\(id)")
        XCTAssertEqual(r.status, 200, r.body)
        let v = r.body.json
        return (v["state"]?.stringValue ?? "", v["history"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [])
    }

    func testSubmitAcknowledgePreserveExtendLinkMLARelease() throws {
        let id = UUID().uuidString.lowercased()
        let body = E2E.requestJSON(id: id)
        // Submit with curl as VN's officer.
        let created = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: body, extra: ["-D", "-"])
        XCTAssertEqual(created.status, 201, created.body)
        XCTAssertTrue(created.body.lowercased().contains("location: /v1/requests/\(id)"), created.body)
        let view = String(created.body[try XCTUnwrap(created.body.range(of: "\r\n\r\n"), created.body).upperBound...]).json
        XCTAssertEqual(view["state"], "delivered", "a request to a contact point served here is delivered at once")
        XCTAssertEqual(view["request"]?["data"]?[0]?["period"]?["from"], "2026-09-30T17:00:00Z", "times are answered in UTC")
        XCTAssertEqual(view["deadlines"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }, ["acknowledge", "preserve"])

        // An identical retry is 200 with the same body; other content under the same id is 409.
        let retry = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: body)
        XCTAssertEqual(retry.status, 200, retry.body)
        XCTAssertEqual(retry.body.json["id"]?.stringValue, id)
        let clash = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: body.replacingOccurrences(of: "Computer fraud", with: "Extortion"))
        XCTAssertEqual(clash.status, 409, clash.body)
        XCTAssertEqual(clash.body.json["errors"]?[0]?["field"], "id")

        // DE works it with the project's client; VN follows with curl.
        let de = try E2E.client(daemon, "officer.de.bob")
        defer { de.close() }
        XCTAssertEqual(try de.act(id, .acknowledge, body: []).get().json?["state"], "acknowledged")
        let preserved = try de.act(id, .preserve, body: Array(#"{"provider_reference":"EM-4471"}"#.utf8)).get().json
        XCTAssertEqual(preserved?["state"], "preserved")
        let expiry = try XCTUnwrap(Instant(rfc3339: preserved?["expires_at"]?.stringValue ?? ""))
        XCTAssertGreaterThanOrEqual(expiry, Instant.now() + .days(59) + .hours(23), "at least 60 days")

        let extended = try daemon.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/extend", json: #"{"days":30}"#)
        XCTAssertEqual(extended.status, 200, extended.body)
        XCTAssertEqual(Instant(rfc3339: extended.body.json["expires_at"]?.stringValue ?? ""), expiry + .days(30))

        let linked = try daemon.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/link-mla",
                                     json: #"{"mla_reference":"MLA-2026-0419","sent_at":"2026-11-20T09:00:00+01:00"}"#)
        XCTAssertEqual(linked.body.json["state"], "mla-pending", linked.body)
        XCTAssertEqual(linked.body.json["deadlines"], [], "no expiry while the MLA request is pending")

        let released = try de.act(id, .release, body: Array(#"{"reason":"MLA request executed"}"#.utf8)).get().json
        XCTAssertEqual(released?["state"], "released")

        let expected = ["submitted", "delivered", "acknowledged", "preserved", "extended", "mla-linked", "released"]
        for identity in ["officer.vn.alice", "officer.de.bob"] {
            let (s, history) = try state(id, as: identity)
            XCTAssertEqual(s, "released", identity)
            XCTAssertEqual(history, expected, identity)
        }
        let full = try daemon.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json
        let actors = full["history"]?.arrayValue?.compactMap { $0["actor"]?.stringValue }
        XCTAssertEqual(actors, ["officer.vn.alice", "pocd.vn", "officer.de.bob", "officer.de.bob", "officer.vn.alice", "officer.vn.alice", "officer.de.bob"])
        XCTAssertEqual(full["history"]?[3]?["details"]?["provider_reference"], "EM-4471")
        let verify = try daemon.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, verify.description)
        let lines = verify.stdout.split(separator: "\n").map(String.init)
        // The 7 events of the case and the reads of it (the access log, docs/privacy.md §3).
        let total = try daemon.sql("SELECT count(*) FROM events")
        let reads = try daemon.sql("SELECT count(*) FROM events WHERE type = 'content-read'")
        XCTAssertEqual((Int(total) ?? 0) - (Int(reads) ?? 0), 7)
        XCTAssertEqual(lines.first, "\(total) events OK", verify.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("tree: \(total) leaves OK; ") }, verify.stdout)
        XCTAssertEqual(lines.last, "projection: 1 request agrees with the log", verify.stdout)
    }

    func testRefuseEndsTheRequest() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let r = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse",
                                json: #"{"ground":"political-offence","reason":"the conduct is a political offence under our law"}"#)
        XCTAssertEqual(r.body.json["state"], "refused", r.body)
        XCTAssertEqual(r.body.json["deadlines"], [])
        let again = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve", json: #"{"provider_reference":"x"}"#)
        XCTAssertEqual(again.status, 409)
        XCTAssertTrue(again.body.contains("state refused"), again.body)
        XCTAssertEqual(again.body.json["errors"]?[0]?["field"], "state")
    }

    /// UN art. 42 / Budapest art. 29(4): no refusing preservation for lack of dual criminality
    /// unless the requested State reserved it, as its directory entry declares.
    func testDualCriminalityIsAGroundOnlyWhereItWasReserved() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let body = #"{"ground":"dual-criminality","reason":"the conduct is no offence here"}"#
        let refused = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse", json: body)
        XCTAssertEqual(refused.status, 422, refused.body)
        XCTAssertEqual(refused.body.json["errors"]?[0]?["field"], "ground")
        XCTAssertTrue(refused.body.contains("DE's directory entry declares no such reservation"), refused.body)
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["state"], "delivered", "nothing changed")
        // DE declares the reservation; after a reload the same refusal is taken.
        try daemon.writeDirectory(E2E.localDirectory.replacingOccurrences(of: "    name: \"Germany\"\n", with: "    name: \"Germany\"\n    reservations: [dual-criminality]\n"))
        XCTAssertTrue(try String(contentsOfFile: daemon.directoryPath, encoding: .utf8).contains("reservations: [dual-criminality]"))
        daemon.reload()
        try E2E.eventually(20, "the reservation is in force") {
            try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse", json: body).body.json["state"] == "refused"
        }
        let history = try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["history"]?.arrayValue ?? []
        XCTAssertEqual(history.filter { $0["type"] == "refused" }.count, 1)
        XCTAssertEqual(history.last?["details"]?["ground"], "dual-criminality")
    }

    /// A contact point known from a register but without a daemon (`daemon: none`): a request to
    /// it is refused, naming how to reach it, and nothing is stored.
    func testARequestToAContactPointWithoutADaemonNamesItsTelephone() throws {
        try daemon.writeDirectory(E2E.localDirectory + """

              BR:
                name: "Brazil"
                telephone: "+55 61 0000 0000"
                email: "247@example.br"
                daemon: none
            """)
        daemon.reload()
        let id = UUID().uuidString.lowercased()
        try E2E.eventually(20, "the directory with BR is in force") {
            try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id, to: "BR")).status == 422
        }
        let refused = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id, to: "BR"))
        XCTAssertEqual(refused.body.json["errors"]?[0]?["field"], "to")
        XCTAssertTrue(refused.body.contains("BR (Brazil) has no daemon in this daemon's directory: reach its 24/7 contact point by telephone +55 61 0000 0000 or e-mail 247@example.br"),
                      refused.body)
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").status, 404, "nothing stored")
        let session = try daemon.curl("officer.vn.alice", "GET", "/v1/session").body.json
        XCTAssertTrue(session["directory"]?.arrayValue?.contains { $0["code"] == "BR" } ?? false, "listed, for its telephone")
    }

    func testNotifyRiskThenProceed() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let risk = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/notify-risk",
                                   json: #"{"reason":"the provider notifies its users of every preservation order"}"#)
        XCTAssertEqual(risk.body.json["state"], "risk-notified", risk.body)
        XCTAssertEqual(risk.body.json["deadlines"]?[0]?["kind"], "answer-risk")
        XCTAssertEqual(risk.body.json["deadlines"]?[0]?["owed_by"], "VN")
        // The requested side cannot answer its own notice; the requesting side must.
        let wrong = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/proceed", json: "{}")
        XCTAssertEqual(wrong.status, 403, wrong.body)
        let proceed = try daemon.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/proceed", json: "{}")
        XCTAssertEqual(proceed.body.json["state"], "acknowledged", proceed.body)
        XCTAssertEqual(try state(id, as: "officer.de.bob").history, ["submitted", "delivered", "risk-notified", "proceeded"])
    }

    func testWithdraw() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let w = try daemon.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/withdraw", json: #"{"reason":"suspect identified"}"#)
        XCTAssertEqual(w.body.json["state"], "withdrawn", w.body)
        XCTAssertEqual(try state(id, as: "officer.de.bob").state, "withdrawn")
    }

    func testQueueIsOrderedByNextDeadlineAndFiltered() throws {
        let routine = UUID().uuidString.lowercased(), urgent = UUID().uuidString.lowercased(), out = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: routine, priority: "routine")).status, 201)
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: urgent, priority: "urgent")).status, 201)
        XCTAssertEqual(try daemon.curl("officer.de.bob", "POST", "/v1/requests",
                                       json: E2E.requestJSON(id: out, from: "DE", to: "VN", reference: "DE-2026-7",
                                                             articles: ["UN-14", "BUD-9"])).status, 201)
        let q = try daemon.curl("officer.de.bob", "GET", "/v1/queue").body.json
        let ids = q["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        // By next deadline: urgent's acknowledgement (4h), then DE's own urgent request, submitted
        // a moment later, waiting on VN (4h), then the routine one (24h).
        XCTAssertEqual(ids, [urgent, out, routine])
        let incoming = try daemon.curl("officer.de.bob", "GET", "/v1/queue?direction=incoming&priority=routine").body.json
        XCTAssertEqual(incoming["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [routine])
        XCTAssertEqual(incoming["items"]?[0]?["counterpart"], "VN")
        let outgoing = try daemon.curl("officer.de.bob", "GET", "/v1/queue?direction=outgoing").body.json
        XCTAssertEqual(outgoing["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [out])
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/queue?state=acknowledged").body.json["count"], 0)
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/queue?overdue=true").body.json["count"], 0)
        let bad = try daemon.curl("officer.de.bob", "GET", "/v1/queue?priorty=urgent")
        XCTAssertEqual(bad.status, 422)
        XCTAssertEqual(bad.body.json["errors"]?[0]?["field"], "priorty")
        // US sees none of it.
        let us = try daemon.curl("officer.us.carol", "GET", "/v1/queue").body.json
        XCTAssertEqual(us["count"], 0)

        // By the offence's classification, which each row shows, also after a restart (read
        // back from the projection) and with the projection gone (replayed from the log's clear part).
        func classified(_ code: String) throws -> [String]? {
            try daemon.curl("officer.de.bob", "GET", "/v1/queue?article=\(code)").body.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        }
        XCTAssertEqual(q["items"]?[1]?["convention_articles"], ["UN-14", "BUD-9"])
        XCTAssertEqual(try classified("UN-14"), [out])
        XCTAssertEqual(try classified("bud-8"), [urgent, routine])
        XCTAssertEqual(try classified("UN-7"), [])
        let unknown = try daemon.curl("officer.de.bob", "GET", "/v1/queue?article=UN-18")
        XCTAssertEqual(unknown.status, 422)
        XCTAssertEqual(unknown.body.json["errors"]?[0]?["field"], "article")
        func scraped(_ code: String) throws -> String? {
            let text = try daemon.curl("supervisor.vn.minh", "GET", "/metrics").body
            return text.split(separator: "\n").first { $0.hasPrefix("contactpoint_requests_by_article{article=\"\(code)\"}") }
                .map { String($0.split(separator: " ").last ?? "") }
        }
        XCTAssertEqual(try scraped("UN-13"), "2")
        XCTAssertEqual(try scraped("UN-14"), "1")
        XCTAssertEqual(try scraped("UN-7"), "0")
        XCTAssertEqual(try scraped("none"), "0")
        daemon.kill9()
        try daemon.start()
        XCTAssertEqual(try classified("UN-14"), [out])
        XCTAssertEqual(try scraped("BUD-8"), "2")
        if !E2E.onPostgreSQL {
            XCTAssertEqual(daemon.stop(), 0)
            let db = daemon.dataPath + "/events.sqlite"
            let wipe = try Subprocess.run("sqlite3", [db, "DELETE FROM cases; DELETE FROM meta WHERE key = 'projection_position';"])
            XCTAssertEqual(wipe.status, 0, wipe.stderr)
            try daemon.start()
            XCTAssertEqual(try classified("BUD-9"), [out], "replayed from the log without the projection")
            XCTAssertEqual(try classified("BUD-8"), [urgent, routine])
        }
    }
}
