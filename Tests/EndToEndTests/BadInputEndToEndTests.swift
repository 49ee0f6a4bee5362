import ContactPointModel
import ContactPointStore
import Foundation
import TestSupport
import XCTest

/// Every kind of bad input gets its status and a problem naming the field and the reason,
/// changes nothing, and leaves the daemon serving.
final class BadInputEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    override func setUpWithError() throws { daemon = try E2E.localDaemon() }
    override func tearDown() { daemon?.stop() }

    func eventCount() throws -> Int {
        let out = try daemon.pocd(["audit", "verify", "--config", "CONFIG"]).stdout
        return Int(out.split(separator: " ").first ?? "") ?? -1
    }

    func assertProblem(_ r: (status: Int, body: String), _ status: Int, field: String, reason: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.body, file: file, line: line)
        let p = r.body.json
        XCTAssertEqual(p["status"]?.intValue, status, file: file, line: line)
        XCTAssertNotNil(p["type"]?.stringValue, file: file, line: line)
        XCTAssertNotNil(p["title"]?.stringValue, file: file, line: line)
        XCTAssertNotNil(p["detail"]?.stringValue, file: file, line: line)
        let errors = p["errors"]?.arrayValue ?? []
        XCTAssertTrue(errors.contains { $0["field"]?.stringValue == field && (reason == nil || ($0["reason"]?.stringValue ?? "").contains(reason!)) },
                      "expected \(field): \(reason ?? "any") in \(r.body)", file: file, line: line)
    }

    func testRequestsThatBreakTheRulesChangeNothing() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let before = try eventCount()
        let valid = E2E.requestJSON()

        // Treaty content and shape: 422 naming each field.
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                      json: valid.replacingOccurrences(of: #""necessity":"data is deleted after 30 days","#, with: "")), 422, field: "necessity", reason: "required")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                      json: valid.replacingOccurrences(of: #""mla_intended":true"#, with: #""mla_intended":true,"custodain":"x""#)), 422, field: "custodain", reason: "unknown field")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                      json: valid.replacingOccurrences(of: "2026-11-01T00:00:00Z", with: "1 November 2026")), 422, field: "data[0].period.to", reason: "RFC 3339")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                      json: valid.replacingOccurrences(of: "2026-11-01T00:00:00Z", with: "2026-11-01T00:00:00")), 422, field: "data[0].period.to")
        let many = try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                   json: valid.replacingOccurrences(of: #""summary":"Victims paid for goods never delivered.""#, with: #""summary":"""#)
                                       .replacingOccurrences(of: #""to":"DE""#, with: #""to":"UK""#))
        assertProblem(many, 422, field: "offence.summary")
        assertProblem(many, 422, field: "to", reason: "ISO 3166-1")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                      json: valid.replacingOccurrences(of: #""to":"DE""#, with: #""to":"FR""#)), 422, field: "to", reason: "directory")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: #"{"reference": "#), 400, field: "", reason: "invalid JSON")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: "[]"), 422, field: "")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", extra: ["--data-binary", valid]), 415, field: "Content-Type")

        // Who may do what: 403.
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                      json: E2E.requestJSON(from: "DE", to: "VN")), 403, field: "from")
        assertProblem(try daemon.curl("officer.us.carol", "GET", "/v1/requests/\(id)"), 403, field: "id")
        assertProblem(try daemon.curl("officer.us.carol", "POST", "/v1/requests/\(id)/acknowledge", json: "{}"), 403, field: "id")
        assertProblem(try daemon.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/acknowledge", json: "{}"), 403, field: "action", reason: "requested side")
        assertProblem(try daemon.curl("stranger.xx", "GET", "/v1/queue"), 403, field: "client_certificate", reason: "stranger.xx")
        XCTAssertTrue(daemon.readLog().contains("certificate identity not in the directory"), "an unknown identity is logged")
        XCTAssertTrue(daemon.readLog().contains("stranger.xx"))

        // Actions: the state must allow it (409 naming the state), the body must be right (422).
        assertProblem(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/release", json: #"{"reason":"x"}"#), 409, field: "state", reason: "delivered")
        assertProblem(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve", json: "{}"), 422, field: "provider_reference", reason: "required")
        assertProblem(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve",
                                      json: #"{"provider_reference":"P","preserved_until":"2026-12-01T00:00:00Z"}"#), 422, field: "preserved_until", reason: "60 days")
        assertProblem(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse",
                                      json: #"{"ground":"dislike","reason":"x"}"#), 422, field: "ground")
        assertProblem(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/fly", json: "{}"), 404, field: "action")
        assertProblem(try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(UUID().uuidString.lowercased())"), 404, field: "id")
        assertProblem(try daemon.curl("officer.de.bob", "DELETE", "/v1/requests/\(id)"), 405, field: "method")
        assertProblem(try daemon.curl("officer.de.bob", "GET", "/v2/nothing"), 404, field: "path")

        // Oversized input is refused by the HTTP layer, with a problem too.
        let big = String(repeating: "x", count: 1_100_000)
        let huge = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: #"{"reference":""# + big + #""}"#)
        XCTAssertEqual(huge.status, 413, huge.body)

        XCTAssertEqual(try eventCount(), before, "nothing was stored")
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "GET", "/healthz").status, 200, "still serving")
    }

    func testAScrapeIdentityReadsMetricsAndNothingElse() throws {
        daemon.stop()
        daemon = try E2E.localDaemon(extra: "metrics:\n  identities: [stranger.xx]")
        let scrape = try daemon.curl("stranger.xx", "GET", "/metrics")
        XCTAssertEqual(scrape.status, 200, scrape.body)
        XCTAssertTrue(scrape.body.contains("# TYPE contactpoint_requests gauge"))
        assertProblem(try daemon.curl("stranger.xx", "GET", "/v1/queue"), 403, field: "client_certificate")
        assertProblem(try daemon.curl("officer.vn.alice", "GET", "/v1/alerts?limit=0&since=yesterday"), 422, field: "limit")
        assertProblem(try daemon.curl("officer.vn.alice", "GET", "/v1/alerts?limit=0&since=yesterday"), 422, field: "since")
    }

    func testTLSRefusesWhatTheDirectoryCannotKnow() throws {
        // No client certificate, an expired one, one from a foreign CA: the handshake fails.
        for extra in [[String](), ["--cert", daemon.pki.expiredCert, "--key", daemon.pki.expiredKey],
                      ["--cert", daemon.pki.foreignCert, "--key", daemon.pki.foreignKey]] {
            let out = try Subprocess.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", daemon.pki.caCert] + extra + [daemon.url + "/healthz"])
            XCTAssertEqual(out.stdout, "000", "\(extra): \(out)")
            XCTAssertNotEqual(out.status, 0)
        }
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "GET", "/healthz").status, 200)
    }
}

/// The daemon's commands: check-config, a bad config, a port in use, signals.
final class CommandEndToEndTests: XCTestCase {
    func testCheckConfigNamesTheFileAndKey() throws {
        let d = try PocdProcess(name: "check", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: E2E.localDirectory)
        let ok = try d.pocd(["check-config", "--config", "CONFIG"])
        XCTAssertEqual(ok.status, 0, ok.description)
        XCTAssertTrue(ok.stdout.hasPrefix("OK "), ok.stdout)

        try d.writePolicy(PocdProcess.secondsPolicy.replacingOccurrences(of: "preservation_period: 60d\n    remind_before_expiry: [14d, 7d, 48h]\n    escalation:\n      - {after: 0s, level: 1, notify: [officer]}\n      - {after: 2s",
                                                                      with: "preservation_period: 30d\n    remind_before_expiry: [14d, 7d, 48h]\n    escalation:\n      - {after: 0s, level: 1, notify: [officer]}\n      - {after: 2s"))
        let bad = try d.pocd(["check-config", "--config", "CONFIG"])
        XCTAssertEqual(bad.status, 1, bad.description)
        XCTAssertEqual(bad.stdout, "\(d.policyPath): priorities.emergency.preservation_period: 30d is below the treaty minimum of 60 days (UN art. 42(4); Budapest art. 29(7))\n")
        // The daemon refuses to start on it, with the same one-line reason.
        let run = try d.pocd(["--config", "CONFIG"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("pocd: \(d.policyPath): priorities.emergency.preservation_period"), run.stderr)

        try d.writePolicy(PocdProcess.secondsPolicy)
        try d.writeDirectory(E2E.localDirectory.replacingOccurrences(of: "role: supervisor}", with: "role: boss}"))
        let dir = try d.pocd(["check-config", "--config", "CONFIG"])
        XCTAssertEqual(dir.status, 1)
        XCTAssertTrue(dir.stdout.contains("contact_points.VN.principals[1].role: must be officer, supervisor, head_of_unit, central_authority or daemon"), dir.stdout)
    }

    /// `pocd migrate` creates the store at this version's schema, says so, and finds nothing to
    /// do the second time; the daemon then starts on it (either backend: the suite's).
    func testMigrateCreatesTheStoreOnceAndTheDaemonStartsOnIt() throws {
        let d = try PocdProcess(name: "migrate", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: E2E.localDirectory)
        let first = try d.pocd(["migrate", "--config", "CONFIG"])
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertTrue(first.stdout.contains("created at schema \(EventStore.schemaVersion)"), "\(first)")
        XCTAssertTrue(first.stdout.hasPrefix(E2E.onPostgreSQL ? "postgresql store" : "sqlite store"), "\(first)")
        let again = try d.pocd(["migrate", "--config", "CONFIG"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("schema \(EventStore.schemaVersion), current; nothing to do"), "\(again)")
        try d.start()
        XCTAssertEqual(try d.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON()).status, 201)
        XCTAssertEqual(d.stop(), 0)
    }

    func testAnUnreadableKeyOrAPortInUseIsAOneLineReason() throws {
        let a = try PocdProcess(name: "a", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"], directory: E2E.localDirectory)
        try a.start()
        defer { a.stop() }
        let b = try PocdProcess(name: "b", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"], directory: E2E.localDirectory)
        let config = try String(contentsOfFile: b.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "127.0.0.1:0", with: "127.0.0.1:\(a.port)").write(toFile: b.configPath, atomically: true, encoding: .utf8)
        let inUse = try b.pocd(["--config", "CONFIG"])
        XCTAssertEqual(inUse.status, 1)
        XCTAssertEqual(inUse.stderr.split(separator: "\n").filter { $0.hasPrefix("pocd: ") }.count, 1, inUse.stderr)
        XCTAssertTrue(inUse.stderr.contains("pocd: cannot listen on 127.0.0.1:\(a.port): Address already in use"), inUse.stderr)

        try config.replacingOccurrences(of: b.pki.privateKey("pocd.vn"), with: "/nonexistent/pocd.key").write(toFile: b.configPath, atomically: true, encoding: .utf8)
        let noKey = try b.pocd(["--config", "CONFIG"])
        XCTAssertEqual(noKey.status, 1)
        XCTAssertTrue(noKey.stderr.contains("/nonexistent/pocd.key"), noKey.stderr)
        let check = try b.pocd(["check-config", "--config", "CONFIG"])
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.stdout.contains("/nonexistent/pocd.key"), check.stdout)
    }

    func testSIGHUPReloadsOrKeepsTheOldPolicyAndSIGTERMExitsZero() throws {
        let d = try E2E.localDaemon()
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try d.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id, priority: "routine")).status, 201)
        func ackDue() throws -> Instant? {
            let v = try d.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json
            return v["deadlines"]?[0]?["due_at"]?.stringValue.flatMap(Instant.init(rfc3339:))
        }
        let submitted = try XCTUnwrap(d.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["submitted_at"]?.stringValue.flatMap(Instant.init(rfc3339:)))
        XCTAssertEqual(try ackDue(), submitted + .hours(24))

        // A bad policy is refused; the old one stays.
        try d.writePolicy("priorities: {routine: {}}")
        d.reload()
        E2E.eventually(10, "the refusal is logged") { d.readLog().contains("reload refused") }
        XCTAssertEqual(try ackDue(), submitted + .hours(24))

        // A good one reschedules open requests.
        try d.writePolicy(PocdProcess.secondsPolicy.replacingOccurrences(of: "acknowledge_within: 24h", with: "acknowledge_within: 12h"))
        d.reload()
        try E2E.eventually(10, "the new policy applies") { try ackDue() == submitted + .hours(12) }

        XCTAssertEqual(d.stop(), 0, "SIGTERM drains and exits 0")
        XCTAssertTrue(d.readLog().contains("stopped"))
    }
}

/// `pocd directory import`: a register of contact points merged into the shipped directory.
final class DirectoryImportEndToEndTests: XCTestCase {
    func copyOfConfig() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory(prefix: "register")
        for name in ["pocd.yaml", "directory.yaml", "policy.yaml"] {
            try FileManager.default.copyItem(atPath: ProjectRoot.path("Config/\(name)"), toPath: folder.path(name))
        }
        return folder
    }

    func importing(_ register: String, into folder: TemporaryDirectory, dryRun: Bool = false) throws -> ProcessOutput {
        try Subprocess.run(BuiltProducts.executable("pocd"), ["directory", "import", ProjectRoot.path(register),
                                                             "--config", folder.path("pocd.yaml")] + (dryRun ? ["--dry-run"] : []))
    }

    func testTheSampleRegisterMergesWithoutTouchingWhatIsLocal() throws {
        let folder = try copyOfConfig()
        let original = try String(contentsOfFile: folder.path("directory.yaml"), encoding: .utf8)
        let dry = try importing("Config/register.example.json", into: folder, dryRun: true)
        XCTAssertEqual(dry.status, 0, dry.description)
        XCTAssertTrue(dry.stdout.contains("dry run: nothing written"), dry.stdout)
        XCTAssertEqual(try String(contentsOfFile: folder.path("directory.yaml"), encoding: .utf8), original)

        let run = try importing("Config/register.example.json", into: folder)
        XCTAssertEqual(run.status, 0, run.description)
        let out = run.stdout
        XCTAssertTrue(out.contains("added      FR France — 24/7 contact point (daemon pocd.fr at https://127.0.0.1:11443)"), out)
        XCTAssertTrue(out.contains("changed    DE: telephone none → +49 611 0000 0000; email none → 247@example.de; daemon urls https://127.0.0.1:9443 → https://127.0.0.1:9443 https://127.0.0.1:9444"), out)
        XCTAssertTrue(out.contains("conflict   VN: served by this daemon (daemon: local)"), out)
        XCTAssertTrue(out.contains("conflict   US: the register names daemon identity pocd.us.example.gov, the directory pocd.us: kept pocd.us"), out)
        XCTAssertTrue(out.contains("added      BR Brazil — 24/7 contact point (no daemon: reached by +55 61 0000 0000, 247@example.br)"), out)
        XCTAssertTrue(out.contains("skipped    contact_points[5]: \"XK1\" is not an ISO 3166-1 alpha-2 code"), out)
        XCTAssertTrue(out.contains("6 register entries: 2 added, 3 changed, 2 conflicts, 1 skipped"), out)
        XCTAssertTrue(out.contains("+  FR:"), "the diff shows the addition: \(out)")

        let merged = try String(contentsOfFile: folder.path("directory.yaml"), encoding: .utf8)
        XCTAssertEqual(try String(contentsOfFile: folder.path("directory.yaml.bak"), encoding: .utf8), original)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path("directory.yaml.import.diff")))
        for kept in ["{identity: \"officer.vn.alice\", role: officer}", "{identity: \"supervisor.vn.minh\", role: supervisor}",
                     "{identity: \"head.vn.lan\", role: head_of_unit}", "{identity: \"pocd.us\", role: daemon}", "daemon: local"] {
            XCTAssertTrue(merged.contains(kept), "\(kept) in \(merged)")
        }
        XCTAssertTrue(merged.contains("{identity: \"pocd.fr\", role: daemon}"), merged)
        XCTAssertTrue(merged.contains("log_key: \"pocd.fr/contactpoint+"), merged)
        XCTAssertTrue(merged.contains("  BR:\n    name: \"Brazil — 24/7 contact point\"\n    telephone: \"+55 61 0000 0000\"\n    email: \"247@example.br\"\n    daemon: none\n    principals: []\n"), merged)
        // The daemon's own check reads it, and a second import changes nothing.
        let check = try Subprocess.run(BuiltProducts.executable("pocd"), ["check-config", "--config", folder.path("pocd.yaml")])
        XCTAssertFalse(check.stdout.contains("directory.yaml:"), "no problem in the merged directory: \(check.stdout)")
        let again = try importing("Config/register.example.json", into: folder)
        XCTAssertTrue(again.stdout.contains("nothing to change"), again.stdout)

        // The CSV form of the same register gives the same file.
        let other = try copyOfConfig()
        XCTAssertEqual(try importing("Config/register.example.csv", into: other).status, 0)
        func content(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        XCTAssertEqual(content(try String(contentsOfFile: other.path("directory.yaml"), encoding: .utf8)), content(merged))
    }
}
