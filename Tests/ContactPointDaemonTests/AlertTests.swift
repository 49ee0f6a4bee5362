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
