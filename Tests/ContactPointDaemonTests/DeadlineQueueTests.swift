import ContactPointModel
import XCTest
@testable import ContactPointDaemon

final class DeadlineQueueTests: XCTestCase {
    let t = Instant(rfc3339: "2026-11-23T08:00:00Z")!

    let a: Int32 = 0, b: Int32 = 1, c: Int32 = 2, r: Int32 = 7

    func testPopsDueRequestsInOrderAndSkipsStaleEntries() {
        var q = DeadlineQueue()
        q.schedule(a, at: t + .hours(3))
        q.schedule(b, at: t + .hours(1))
        q.schedule(c, at: t + .hours(2))
        q.schedule(a, at: t + .minutes(30))  // rescheduled earlier: the 3h entry is now stale
        q.schedule(c, at: nil)                // unscheduled
        XCTAssertEqual(q.earliest(), t + .minutes(30))
        XCTAssertEqual(q.popDue(at: t + .hours(2)), [a, b])
        XCTAssertNil(q.earliest(), "a's stale 3h entry and c's entry are dropped, not fired")
        XCTAssertEqual(q.popDue(at: t + .days(1)), [])
    }

    func testARebuildSchedulesEverythingAtOnce() {
        var q = DeadlineQueue()
        q.rebuild([(0, t + .hours(2)), (1, nil), (2, t + .hours(1))])
        XCTAssertEqual(q.count, 2)
        XCTAssertEqual(q.earliest(), t + .hours(1))
        XCTAssertEqual(q.popDue(at: t + .days(1)), [2, 0])
        XCTAssertEqual(q.count, 0)
    }

    func testManyReschedulesKeepTheHeapSmall() {
        var q = DeadlineQueue()
        for i in 0..<10_000 { q.schedule(r, at: t + .seconds(Int64(i))) }
        XCTAssertEqual(q.count, 1)
        XCTAssertLessThan(q.heapSize, 200)
        XCTAssertEqual(q.time(of: r), t + .seconds(9999))
        XCTAssertEqual(q.popDue(at: t + .days(1)), [r])
    }
}

final class ConfigurationTests: XCTestCase {
    func testDirectoryProblemsNameFileAndKey() {
        let cases: [(String, String)] = [
            ("contact_points: {XX: {name: x, daemon: local, principals: []}}", "directory.yaml: contact_points.XX: not an ISO 3166-1 alpha-2 code such as VN"),
            ("contact_points: {VN: {name: x, principals: []}}", "directory.yaml: contact_points.VN.daemon: required: `local`, {urls, identity} of the partner daemon, or `none`"),
            ("contact_points: {BR: {name: x, daemon: none}}", "directory.yaml: contact_points.BR.daemon: none: give the contact point's telephone or email, the only ways to reach it"),
            ("contact_points: {BR: {name: x, telephone: '+55', daemon: none, principals: [{identity: a, role: officer}]}}", "directory.yaml: contact_points.BR.principals: a contact point without a daemon (daemon: none) has no principals here"),
            ("contact_points: {VN: {name: x, daemon: local, principals: [{identity: a, role: chief}]}}", #"directory.yaml: contact_points.VN.principals[0].role: must be officer, supervisor, head_of_unit, central_authority or daemon, not "chief""#),
            ("contact_points: {DE: {name: x, daemon: {url: 'http://h:1', identity: p}, principals: [{identity: p, role: daemon}]}}", #"directory.yaml: contact_points.DE.daemon.url: must be https://host:port, not "http://h:1""#),
            ("contact_points: {DE: {name: x, daemon: {url: 'https://h:1', identity: p}, principals: []}}", "directory.yaml: contact_points.DE.principals: the partner daemon p must be listed with role daemon"),
            ("contact_points: {VN: {name: x, daemon: local, principals: [], extra: 1}}", "directory.yaml: contact_points.VN.extra: unknown key (expected one of: name, telephone, email, reservations, daemon, principals)"),
        ]
        for (yaml, expected) in cases {
            XCTAssertThrowsError(try Directory.load(yaml: yaml, file: "directory.yaml"), yaml) { error in
                XCTAssertEqual((error as? ConfigurationErrors)?.description, expected)
            }
        }
        let none = try? Directory.load(yaml: "contact_points: {BR: {name: Brazil, email: 247@example.br, daemon: none}}", file: "directory.yaml")
        XCTAssertEqual(none?.contactPoints[CountryCode("BR")!]?.host, Directory.Host.none, "no principals needed without a daemon")
    }

    func testListenAddresses() {
        XCTAssertTrue(try XCTUnwrap(DaemonConfiguration.parseListen("127.0.0.1:8443")) == ("127.0.0.1", 8443))
        XCTAssertTrue(try XCTUnwrap(DaemonConfiguration.parseListen("[::1]:8443")) == ("::1", 8443))
        XCTAssertNil(DaemonConfiguration.parseListen("8443"))
        XCTAssertNil(DaemonConfiguration.parseListen("host:99999"))
    }

    func testTheShippedConfigurationLoadsAndAgrees() throws {
        let set = try ConfigurationSet.load(configFile: ProjectRootPath.config("pocd.yaml"))
        XCTAssertEqual(set.daemon.contactPoints.map(\.code), ["VN"])
        XCTAssertEqual(set.policy.priorities, DeadlinePolicy.defaults.priorities)
        XCTAssertEqual(set.policy.retentionAfterEnd, .days(180), "the shipped policy erases content 180 days after the end")
        XCTAssertEqual(set.directory.localCodes, [CountryCode("VN")!])
        XCTAssertTrue(set.daemon.tls.certificateFile.hasSuffix("var/pki/pocd.vn.crt"))
    }

    func testRoutesMatchTheirTemplates() {
        XCTAssertEqual(Router.match(["v1", "requests"]).0, "/v1/requests")
        XCTAssertEqual(Router.match(["v1", "requests", "abc"]).0, "/v1/requests/{id}")
        XCTAssertEqual(Router.match(["v1", "requests", "abc", "preserve"]).0, "/v1/requests/{id}/{action}")
        XCTAssertEqual(Router.match(["v1", "requests", "abc", "events"]).0, "/v1/requests/{id}/events")
        XCTAssertEqual(Router.match(["v1", "alerts", "stream"]).0, "/v1/alerts/stream")
        XCTAssertNil(Router.match(["v1", "requests", "a", "b", "c"]).0)
        // Every route without a parameter is found by its path alone, as matching its parts finds it.
        let fixed = Router.routes.map(\.template).filter { !$0.contains("{") }
        XCTAssertEqual(Set(Router.fixedPaths.keys), Set(fixed))
        for path in fixed {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            let entry = Router.fixedPaths[path]
            XCTAssertEqual(entry?.parts, parts, path)
            XCTAssertEqual(entry?.template, Router.match(parts).0, path)
            XCTAssertEqual(entry?.allowed, Router.match(parts).1, path)
        }
        XCTAssertTrue(fixed.contains("/healthz") && fixed.contains("/v1/requests") && fixed.contains("/"))
    }
}

enum ProjectRootPath {
    static func config(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/\(name)").standardized.path
    }
}
