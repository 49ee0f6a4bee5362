import ContactPointModel
import XCTest
@testable import ContactPointDaemon

/// Whom an alert reaches: ladder roles against the directory, and the other side's actions.
final class AlertTests: XCTestCase {
    let t0 = Instant(rfc3339: "2026-11-23T08:00:00Z")!

    func directory(deHead: Bool, deLocal: Bool = true) throws -> Directory {
        try Directory.load(yaml: """
            contact_points:
              VN:
                name: Viet Nam
                daemon: local
                principals:
                  - {identity: officer.vn, role: officer}
                  - {identity: supervisor.vn, role: supervisor}
              DE:
                name: Germany
                daemon: \(deLocal ? "local" : "{url: \"https://127.0.0.1:1\", identity: pocd.de}")
                principals:
                  - {identity: officer.de, role: officer}
                  - {identity: supervisor.de, role: supervisor}
                  - {identity: mla.de, role: central_authority}
            \(deHead ? "      - {identity: head.de, role: head_of_unit}" : "")
            \(deLocal ? "" : "      - {identity: pocd.de, role: daemon}")
            """, file: "directory.yaml")
    }

    func record() throws -> CaseRecord {
        var r = CaseRecord(try EvidenceRequest.decode(Array(E2ERequest.json.utf8), newID: { "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e" }).get(),
                           submittedAt: t0)
        try r.apply(.delivered(by: "pocd.de"), at: t0 + .seconds(1))
        return r
    }

    func testTheTopOfTheLadderPagesTheHeadOfUnitOrElseTheSupervisors() throws {
        let r = try record()
        let withHead = Alert.resolve(["head_of_unit"], owing: r.to, record: r, directory: try directory(deHead: true))
        XCTAssertEqual(withHead.map(\.identities), [["head.de"]])
        let without = Alert.resolve(["head_of_unit"], owing: r.to, record: r, directory: try directory(deHead: false))
        XCTAssertEqual(without.map(\.identities), [["supervisor.de"]], "never nobody")
        XCTAssertEqual(without.first?.role, "head_of_unit")
        let central = Alert.resolve(["central_authority"], owing: r.to, record: r, directory: try directory(deHead: false))
        XCTAssertEqual(central.map(\.identities), [["mla.de"]])
    }

    /// A receiver's `language:` writes its summaries; labels and machine members stay English.
    func testEachReceiverGetsSummariesInItsLanguage() throws {
        let r = try record()
        let alert = Alert(id: 1, eventID: "e", requestID: r.id, reference: r.reference, from: r.from, to: r.to, priority: r.priority,
                          reason: .overdue(.acknowledge, level: 2), contactPoint: r.to, dueAt: t0 + .hours(4), lateBy: .hours(3),
                          level: 2, notify: [.init(role: "supervisor", contactPoint: r.to, identities: ["supervisor.de"], local: true)], at: t0)
        XCTAssertEqual(alert.summary, "VN-1 (urgent, VN→DE): acknowledge by DE was due 2026-11-23 12:00:00 UTC, 3 hours late; level 2: notify supervisor DE")
        let ru = AlertReceiver(name: "pager", kind: .webhook, url: "https://127.0.0.1:1", language: .ru)
        let body = try JSONParser.parse(AlertMessages.message(alert, status: "firing", at: t0, receiver: ru, eventID: "e").body)
        XCTAssertEqual(body["summary"]?.stringValue, alert.summary(.ru))
        XCTAssertTrue(alert.summary(.ru).contains("3 часа"), alert.summary(.ru))
        XCTAssertEqual(body["deadline"], "acknowledge")
        let am = AlertReceiver(name: "am", kind: .alertmanager, url: "https://127.0.0.1:1", language: .ar)
        let sent = try JSONParser.parse(AlertMessages.message(alert, status: "firing", at: t0, receiver: am, eventID: "e").body)
        XCTAssertEqual(sent[0]?["annotations"]?["summary"]?.stringValue, alert.summary(.ar))
        XCTAssertEqual(sent[0]?["labels"]?["alertname"], "ContactPointDeadlineOverdue")
        // A receiver's `time_zone:` writes the summary's times in that zone, named; due_at stays UTC.
        let hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let vi = AlertReceiver(name: "hanoi", kind: .webhook, url: "https://127.0.0.1:1", language: .vi, timeZone: hanoi)
        let local = try JSONParser.parse(AlertMessages.message(alert, status: "firing", at: t0, receiver: vi, eventID: "e").body)
        let summary = local["summary"]?.stringValue ?? ""
        XCTAssertEqual(summary, alert.summary(.vi, timeZone: hanoi))
        XCTAssertTrue(summary.contains(Message.format(t0 + .hours(4), .vi, hanoi)), summary)
        XCTAssertTrue(summary.contains("19:00:00 GMT+7"), summary)  // 12:00 UTC in Hanoi
        XCTAssertEqual(local["due_at"], "2026-11-23T12:00:00Z")
        XCTAssertTrue(alert.summary(.en, timeZone: hanoi).contains("was due 2026-11-23 19:00:00 GMT+7"), alert.summary(.en, timeZone: hanoi))
        // A language the catalogue lacks is refused in pocd.yaml, naming the key.
        var said = ""
        do {
            let (_, problems) = try DaemonConfiguration.parse(yaml: """
                listen: 127.0.0.1:0
                alerts: {webhooks: [{name: p, url: "https://127.0.0.1:1", language: de}]}
                """, file: "pocd.yaml")
            said = problems.map(\.description).joined(separator: "\n")
        } catch { said = String(describing: error) }
        XCTAssertTrue(said.contains("alerts.webhooks[0].language: must be one of ar, zh, en, fr, ru, es, vi, not \"de\""), said)
        var zone = ""
        do {
            let (_, problems) = try DaemonConfiguration.parse(yaml: """
                listen: 127.0.0.1:0
                alerts: {alertmanagers: [{name: am, url: "https://127.0.0.1:1", time_zone: Mars/Olympus}]}
                """, file: "pocd.yaml")
            zone = problems.map(\.description).joined(separator: "\n")
        } catch { zone = String(describing: error) }
        XCTAssertTrue(zone.contains("alerts.alertmanagers[0].time_zone: must be an IANA time zone"), zone)
    }

    func testAnMLALinkTellsTheRequestedSidesOfficersAndCentralAuthority() throws {
        var r = try record()
        try r.apply(.acknowledged, at: t0 + .minutes(5))
        try r.apply(.preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(61)), at: t0 + .hours(1))
        let event = CaseEvent.mlaLinked(reference: "MLA-2026-7", sentAt: t0 + .days(3))
        try r.apply(event, at: t0 + .days(3))
        let context = StoredEventContext(position: 9, eventID: "e", at: t0 + .days(3), event: event, record: r, policy: .defaults)
        let alert = try XCTUnwrap(Alert.from(context, directory: try directory(deHead: false)))
        XCTAssertEqual(alert.reason, .counterpart(event: "mla-linked"))
        XCTAssertEqual(alert.contactPoint.code, "DE")
        XCTAssertEqual(alert.notify.map(\.role), ["officer", "central_authority"])
        XCTAssertEqual(alert.notify.map(\.identities), [["officer.de"], ["mla.de"]])
        XCTAssertTrue(alert.summary.contains("MLA-2026-7"), alert.summary)
        // On VN's daemon, when DE is a partner: VN linked it, VN's people are not told, DE's daemon tells DE's.
        XCTAssertNil(Alert.from(context, directory: try directory(deHead: false, deLocal: false)))
    }
}
