import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// The `poc` binary against a real pocd, as a duty officer uses it.
final class PocCLIEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    override func setUpWithError() throws { daemon = try E2E.localDaemon() }
    override func tearDown() { daemon?.stop() }

    func poc(_ identity: String, _ args: [String]) throws -> ProcessOutput { try daemon.poc(identity, args) }

    func testSubmitQueueShowAndActions() throws {
        // From the shipped example file (JSON).
        let example = ProjectRoot.path("Config/request.example.json")
        let submitted = try poc("officer.vn.alice", ["submit", example])
        XCTAssertEqual(submitted.status, 0, submitted.description)
        XCTAssertTrue(submitted.stdout.hasPrefix("submitted: 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e  VN-A05-2026-0113  VN → DE"), submitted.stdout)
        XCTAssertTrue(submitted.stdout.contains("acknowledge due "), submitted.stdout)
        let again = try poc("officer.vn.alice", ["submit", example])
        XCTAssertTrue(again.stdout.contains("already submitted (identical; nothing changed)"), again.stdout)

        // From YAML.
        let yaml = try TemporaryDirectory(prefix: "poc-yaml")
        try """
            reference: VN-YAML-1
            from: VN
            to: DE
            kind: preservation
            priority: routine
            authority: {name: Department of Cybersecurity}
            offence: {description: Extortion, summary: Ransom demanded by e-mail, convention_articles: [UN-9, BUD-4]}
            data:
              - description: Mailbox contents
                relation_to_offence: the ransom e-mails were sent from it
                period: {from: 2026-10-01T00:00:00Z, to: 2026-11-01T00:00:00Z}
            custodian: {name: Example Mail GmbH}
            necessity: deleted after 30 days
            mla_intended: true
            """.write(toFile: yaml.path("r.yaml"), atomically: true, encoding: .utf8)
        let fromYAML = try poc("officer.vn.alice", ["submit", yaml.path("r.yaml"), "--json"])
        XCTAssertEqual(fromYAML.status, 0, fromYAML.description)
        XCTAssertEqual(fromYAML.stdout.json["reference"], "VN-YAML-1")

        // From flags.
        let flags = try poc("officer.vn.alice", ["submit", "--to", "DE", "--reference", "VN-FLAGS-1", "--priority", "emergency",
                                                 "--kind", "preservation", "--authority", "Dept", "--offence", "Fraud", "--article", "UN-13", "--article", "bud-8", "--summary", "facts",
                                                 "--data", "subscriber data", "--relation", "paid the proceeds",
                                                 "--identifier", "email=x@example.org", "--custodian", "Example Mail GmbH",
                                                 "--necessity", "deleted soon", "--json"])
        XCTAssertEqual(flags.status, 0, flags.description)
        XCTAssertEqual(flags.stdout.json["request"]?["data"]?[0]?["identifiers"]?[0]?["value"], "x@example.org")
        XCTAssertEqual(flags.stdout.json["from"], "VN", "--from defaults to the one contact point you serve")

        // The queue, as a table and as JSON.
        let table = try poc("officer.de.bob", ["queue"])
        XCTAssertEqual(table.status, 0, table.description)
        let lines = table.stdout.split(separator: "\n")
        let header = try XCTUnwrap(lines.first, table.stdout)
        let top = try XCTUnwrap(lines.dropFirst().first, table.stdout)
        XCTAssertTrue(header.hasPrefix("REFERENCE"), table.stdout)
        XCTAssertTrue(header.contains("TIME LEFT"))
        XCTAssertTrue(top.hasPrefix("VN-FLAGS-1"), "emergency first: \(table.stdout)")
        XCTAssertTrue(top.contains("incoming") && top.contains("VN") && top.contains("acknowledge 20"), table.stdout)
        XCTAssertFalse(table.stdout.contains("\u{1B}["), "no colour when not a terminal")
        let json = try poc("officer.de.bob", ["queue", "--json", "--priority", "routine"])
        XCTAssertEqual(json.stdout.json["items"]?.arrayValue?.compactMap { $0["reference"]?.stringValue }, ["VN-YAML-1"])
        XCTAssertEqual(flags.stdout.json["request"]?["offence"]?["convention_articles"], ["UN-13", "BUD-8"])
        XCTAssertTrue(header.contains("ARTICLES"), table.stdout)
        XCTAssertTrue(top.contains("UN-13,BUD-8"), table.stdout)
        let byArticle = try poc("officer.de.bob", ["queue", "--article", "BUD-4", "--json"])
        XCTAssertEqual(byArticle.stdout.json["items"]?.arrayValue?.compactMap { $0["reference"]?.stringValue }, ["VN-YAML-1"])
        let unknownArticle = try poc("officer.de.bob", ["queue", "--article", "UN-99"])
        XCTAssertEqual(unknownArticle.status, 1)
        XCTAssertTrue(unknownArticle.stderr.contains("article: must be UN-7"), unknownArticle.stderr)

        // Every action subcommand, through a lifecycle.
        let id = "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"
        for (identity, args, state) in [
            ("officer.de.bob", ["acknowledge", id], "acknowledged"),
            ("officer.de.bob", ["disclose-traffic", id, "--provider", "Relay Inc=US", "--path", "via relay.example"], "acknowledged"),
            ("officer.de.bob", ["preserve", id, "--provider-reference", "EM-4471", "--partial"], "preserved"),
            ("officer.vn.alice", ["extend", id, "--days", "30"], "preserved"),
            ("officer.vn.alice", ["link-mla", id, "--mla-reference", "MLA-1", "--sent-at", "2026-11-20T09:00:00Z"], "mla-pending"),
            ("officer.de.bob", ["release", id, "--reason", "MLA executed"], "released"),
        ] {
            let out = try poc(identity, args)
            XCTAssertEqual(out.status, 0, "\(args): \(out)")
            XCTAssertTrue(out.stdout.contains("is now \(state)"), "\(args): \(out.stdout)")
        }
        let yamlID = try XCTUnwrap(fromYAML.stdout.json["id"]?.stringValue, fromYAML.stdout)
        XCTAssertTrue(try poc("officer.de.bob", ["notify-risk", yamlID, "--reason", "users are notified"]).stdout.contains("is now risk-notified"))
        XCTAssertTrue(try poc("officer.vn.alice", ["proceed", yamlID]).stdout.contains("is now acknowledged"))
        XCTAssertTrue(try poc("officer.de.bob", ["report-no-data", yamlID, "--reason", "account closed"]).stdout.contains("is now no-data"))
        let flagsID = try XCTUnwrap(flags.stdout.json["id"]?.stringValue, flags.stdout)
        XCTAssertTrue(try poc("officer.de.bob", ["refuse", flagsID, "--ground", "essential-interests", "--reason", "x"]).stdout.contains("is now refused"))
        let w = try poc("officer.vn.alice", ["submit", "--to", "DE", "--reference", "W", "--authority", "A", "--offence", "O", "--article", "UN-7", "--summary", "S",
                                             "--data", "D", "--relation", "R", "--custodian", "C", "--necessity", "N", "--json"])
        XCTAssertTrue(try poc("officer.vn.alice", ["withdraw", try XCTUnwrap(w.stdout.json["id"]?.stringValue, w.stdout), "--reason", "solved"]).stdout.contains("is now withdrawn"))

        // show: the request, its deadlines, its full history.
        let shown = try poc("officer.vn.alice", ["show", id])
        XCTAssertEqual(shown.status, 0, shown.description)
        XCTAssertTrue(shown.stdout.contains("state: released"), shown.stdout)
        for type in ["submitted", "delivered", "acknowledged", "traffic-disclosed", "preserved", "extended", "mla-linked", "released"] {
            XCTAssertTrue(shown.stdout.contains("  \(type)"), "\(type) in \(shown.stdout)")
        }
        XCTAssertTrue(shown.stdout.contains("provider_reference=EM-4471"), shown.stdout)
    }

    /// Ids as people type them: a unique prefix, as git takes a commit's; an ambiguous one
    /// lists the candidates; conflicting options are refused before anything is sent; `show`
    /// prints everything the officer must preserve.
    func testIdPrefixesConflictingOptionsAndTheWholeRequest() throws {
        let example = ProjectRoot.path("Config/request.example.json")
        XCTAssertEqual(try poc("officer.vn.alice", ["submit", example]).status, 0)
        // The README's own example, with the id shortened as people do.
        let ack = try poc("officer.de.bob", ["acknowledge", "2f1c7e3a"])
        XCTAssertEqual(ack.status, 0, ack.description)
        XCTAssertTrue(ack.stdout.contains("VN-A05-2026-0113 is now acknowledged"), ack.stdout)
        // Two requests sharing a prefix: the prefix is refused, naming both.
        for suffix in ["1111-4111-8111-111111111111", "2222-4222-8222-222222222222"] {
            XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                           json: E2E.requestJSON(id: "abcd1234-" + suffix, reference: "VN-AMB-\(suffix.prefix(1))")).status, 201)
        }
        let ambiguous = try poc("officer.de.bob", ["show", "abcd12"])
        XCTAssertNotEqual(ambiguous.status, 0)
        XCTAssertTrue(ambiguous.stderr.contains("abcd12 is ambiguous"), ambiguous.stderr)
        XCTAssertTrue(ambiguous.stderr.contains("abcd1234-1111-4111-8111-111111111111  VN-AMB-1"), ambiguous.stderr)
        XCTAssertTrue(ambiguous.stderr.contains("abcd1234-2222-4222-8222-222222222222  VN-AMB-2"), ambiguous.stderr)
        XCTAssertEqual(try poc("officer.de.bob", ["show", "abcd1234-2"]).status, 0, "one more character decides")
        let none = try poc("officer.de.bob", ["show", "ffff0000"])
        XCTAssertTrue(none.stderr.contains("no request you may read has an id starting with ffff0000"), none.stderr)
        // US's officer may read neither: a prefix does not reveal other contact points' requests.
        let stranger = try poc("officer.us.carol", ["show", "abcd1234"])
        XCTAssertTrue(stranger.stderr.contains("no request you may read has an id starting with abcd1234"), stranger.stderr)
        let placeholder = try poc("officer.de.bob", ["acknowledge", "2f1c7e3a-…"])
        XCTAssertNotEqual(placeholder.status, 0)
        XCTAssertTrue(placeholder.stderr.contains("is not a request id: give the id"), placeholder.stderr)
        // The route itself.
        let listed = try daemon.curl("officer.de.bob", "GET", "/v1/requests?id_prefix=ABCD1234")
        XCTAssertEqual(listed.body.json["count"], 2, listed.body)
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/requests?id_prefix=ab").body.json["errors"]?[0]?["field"], "id_prefix")
        // A mistyped subcommand gets the nearest one, global options or not.
        let typo = try poc("officer.de.bob", ["--json", "acknowlege", "2f1c7e3a"])
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.contains("'acknowlege' is not a poc command. Did you mean 'acknowledge'?"), typo.stderr)
        // --days and --until together: refused, and nothing sent.
        XCTAssertEqual(try poc("officer.de.bob", ["preserve", "2f1c7e3a", "--provider-reference", "EM-4471"]).status, 0)
        let both = try poc("officer.vn.alice", ["extend", "2f1c7e3a", "--days", "30", "--until", "2027-06-01T00:00:00Z"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("give --days or --until, not both"), both.stderr)
        XCTAssertFalse(try poc("officer.vn.alice", ["show", "2f1c7e3a"]).stdout.contains("  extended"), "nothing was sent")
        // show: every member of the content, long texts in full, and the links.
        let shown = try poc("officer.de.bob", ["show", "2f1c7e3a"])
        XCTAssertEqual(shown.status, 0, shown.description)
        let request = try JSONParser.parse(Array(try String(contentsOfFile: example, encoding: .utf8).utf8))
        for text in [request["authority"]?["name"]?.stringValue, request["offence"]?["summary"]?.stringValue,
                     request["offence"]?["legal_provision"]?.stringValue, request["necessity"]?.stringValue,
                     request["data"]?[0]?["relation_to_offence"]?.stringValue, request["data"]?[0]?["identifiers"]?[0]?["value"]?.stringValue,
                     request["data"]?[0]?["period"]?["from"]?.stringValue.flatMap { Instant(rfc3339: $0)?.rfc3339 }] {
            let t = try XCTUnwrap(text, "Config/request.example.json lacks a member this test reads")
            XCTAssertTrue(shown.stdout.contains(t), "\(t) in \(shown.stdout)")
        }
        XCTAssertTrue(shown.stdout.contains("MLA request intended: yes"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("convention articles: UN-13 ICT system-related theft or fraud; BUD-8 Computer-related fraud"),
                      shown.stdout)
        // Times for people in the reader's zone, named; --utc (before or after the subcommand) for UTC.
        let hanoi = try daemon.poc("officer.de.bob", ["show", "2f1c7e3a"], environment: ["TZ": "Asia/Ho_Chi_Minh"])
        XCTAssertTrue(hanoi.stdout.contains(" GMT+7  submitted"), hanoi.stdout)
        let utc = try daemon.poc("officer.de.bob", ["--utc", "show", "2f1c7e3a"], environment: ["TZ": "Asia/Ho_Chi_Minh"])
        XCTAssertTrue(utc.stdout.contains(" UTC  submitted"), utc.stdout)
        XCTAssertFalse(utc.stdout.contains("GMT+7"), utc.stdout)
        XCTAssertEqual(request["language"], "en")
        XCTAssertTrue(shown.stdout.contains("request (written in English (en)):"), shown.stdout)
    }

    func testErrorsSayWhatIsWrong() throws {
        // 4xx: the problem's fields, one per line.
        let bad = try poc("officer.vn.alice", ["submit", "--to", "DE", "--reference", "R"])
        XCTAssertEqual(bad.status, 1, bad.description)
        XCTAssertTrue(bad.stderr.hasPrefix("error: 422 Invalid input\ndetail: "), bad.stderr)
        for field in ["authority", "offence", "data", "custodian", "necessity"] {
            XCTAssertTrue(bad.stderr.contains("\n  \(field): required"), "\(field) in \(bad.stderr)")
        }
        let wrongSide = try poc("officer.vn.alice", ["acknowledge", UUID().uuidString.lowercased()])
        XCTAssertEqual(wrongSide.status, 1)
        XCTAssertTrue(wrongSide.stderr.contains("404 Not found"), wrongSide.stderr)

        // Unreachable: which address.
        let port = FreePort.next()
        let down = try Subprocess.run(BuiltProducts.executable("poc"), ["queue", "--server", "https://127.0.0.1:\(port)",
                                                                         "--cert", daemon.pki.certificate("officer.vn.alice"),
                                                                         "--key", daemon.pki.privateKey("officer.vn.alice"), "--ca", daemon.pki.caCert])
        XCTAssertEqual(down.status, 3, down.description)
        XCTAssertTrue(down.stderr.hasPrefix("error: cannot reach the daemon at https://127.0.0.1:\(port): "), down.stderr)

        // TLS: why.
        let foreign = try Subprocess.run(BuiltProducts.executable("poc"), ["queue", "--server", daemon.url, "--cert", daemon.pki.foreignCert,
                                                                            "--key", daemon.pki.foreignKey, "--ca", daemon.pki.caCert])
        XCTAssertEqual(foreign.status, 3, foreign.description)
        XCTAssertTrue(foreign.stderr.hasPrefix("error: TLS handshake with \(daemon.url) failed: "), foreign.stderr)
        let expired = try Subprocess.run(BuiltProducts.executable("poc"), ["queue", "--server", daemon.url, "--cert", daemon.pki.expiredCert,
                                                                            "--key", daemon.pki.expiredKey, "--ca", daemon.pki.caCert])
        XCTAssertEqual(expired.status, 3, expired.description)
        XCTAssertTrue(expired.stderr.lowercased().contains("expired"), expired.stderr)
        let wrongCA = try Subprocess.run(BuiltProducts.executable("poc"), ["queue", "--server", daemon.url, "--cert", daemon.pki.certificate("officer.vn.alice"),
                                                                            "--key", daemon.pki.privateKey("officer.vn.alice"), "--ca", daemon.pki.foreignCA])
        XCTAssertEqual(wrongCA.status, 3)
        XCTAssertTrue(wrongCA.stderr.contains("TLS handshake"), wrongCA.stderr)

        // Missing settings: where to put them.
        let none = try Subprocess.run(BuiltProducts.executable("poc"), ["queue"], environment: ["POC_CONFIG": "/nonexistent", "POC_SERVER": ""])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("--server"), none.stderr)
    }

    /// As `git -C` or `kubectl --context`: connection options before the subcommand work
    /// as after it, spelled `--server URL` or `--server=URL`.
    func testConnectionOptionsBeforeTheSubcommand() throws {
        let pki = daemon.pki
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let queue = try Subprocess.run(BuiltProducts.executable("poc"), [
            "--server", daemon.url, "--cert", pki.certificate("officer.vn.alice"), "--key=\(pki.privateKey("officer.vn.alice"))",
            "--ca=\(pki.caCert)", "--json", "queue", "--direction", "outgoing",
        ], environment: ["POC_CONFIG": "/nonexistent"])
        XCTAssertEqual(queue.status, 0, queue.description)
        XCTAssertTrue(queue.stdout.json["items"]?.arrayValue?.contains { $0["id"]?.stringValue == id } ?? false, queue.stdout)
        let show = try Subprocess.run(BuiltProducts.executable("poc"), [
            "--server=\(daemon.url)", "--cert", pki.certificate("officer.de.bob"), "--key", pki.privateKey("officer.de.bob"),
            "--ca", pki.caCert, "show", id,
        ], environment: ["POC_CONFIG": "/nonexistent"])
        XCTAssertEqual(show.status, 0, show.description)
        XCTAssertTrue(show.stdout.contains("VN-A05-2026-0113"), show.stdout)
        // The daemons of a pair: the first cannot be reached, the next answers.
        let pair = try Subprocess.run(BuiltProducts.executable("poc"), [
            "--server", "https://127.0.0.1:1,\(daemon.url)", "--cert", pki.certificate("officer.de.bob"), "--key", pki.privateKey("officer.de.bob"),
            "--ca", pki.caCert, "show", id,
        ], environment: ["POC_CONFIG": "/nonexistent"])
        XCTAssertEqual(pair.status, 0, pair.description)
        XCTAssertTrue(pair.stdout.contains("VN-A05-2026-0113"), pair.stdout)
        let none = try Subprocess.run(BuiltProducts.executable("poc"), [
            "--server", "https://127.0.0.1:1,https://127.0.0.1:2", "--cert", pki.certificate("officer.de.bob"),
            "--key", pki.privateKey("officer.de.bob"), "--ca", pki.caCert, "queue",
        ], environment: ["POC_CONFIG": "/nonexistent"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("https://127.0.0.1:1") && none.stderr.contains("https://127.0.0.1:2"), "both named: \(none)")
        let nothing = try Subprocess.run(BuiltProducts.executable("poc"), ["--server", daemon.url], environment: ["POC_CONFIG": "/nonexistent"])
        XCTAssertNotEqual(nothing.status, 0, "options and no subcommand: the parser says what is missing")
    }

    func testSettingsFromTheConfigFile() throws {
        let dir = try TemporaryDirectory(prefix: "poc-config")
        try """
            server: \(daemon.url)
            cert: \(daemon.pki.certificate("officer.de.bob"))
            key: \(daemon.pki.privateKey("officer.de.bob"))
            ca: \(daemon.pki.caCert)
            """.write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        let out = try Subprocess.run(BuiltProducts.executable("poc"), ["health"], environment: ["POC_CONFIG": dir.path("config.yaml")])
        XCTAssertEqual(out.status, 0, out.description)
        XCTAssertTrue(out.stdout.hasPrefix("ok: "), out.stdout)
    }

    func testEveryCommandsHelpShowsAnExample() throws {
        let commands = ["submit", "queue", "show", "watch", "alerts", "health", "acknowledge", "preserve", "report-no-data", "refuse",
                        "notify-risk", "disclose-traffic", "proceed", "extend", "link-mla", "withdraw", "release", "disclose", "erase", "access-log"]
        for c in commands + [""] {
            let out = try Subprocess.run(BuiltProducts.executable("poc"), c.isEmpty ? ["--help"] : [c, "--help"])
            XCTAssertEqual(out.status, 0, c)
            XCTAssertTrue(out.stdout.contains("poc \(c.isEmpty ? "submit" : c) "), "\(c) --help has an example: \(out.stdout)")
        }
        for c in ["", "check-config", "audit verify"] {
            let out = try Subprocess.run(BuiltProducts.executable("pocd"), c.split(separator: " ").map(String.init) + ["--help"])
            XCTAssertTrue(out.stdout.contains("pocd \(c.isEmpty ? "--config" : c)"), "pocd \(c) --help: \(out.stdout)")
        }
    }

    func testWatchPrintsAlertsAndFollowsTheDaemonAcrossARestart() throws {
        let out = try TemporaryDirectory(prefix: "poc-watch")
        _ = FileManager.default.createFile(atPath: out.path("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: out.path("err"), contents: nil)
        // watch's reconnect delay and silence watchdog are monotonic timers (a wall-clock jump
        // must not stall them), which libfaketime cannot run; watch decides nothing by the date.
        let watch = try ChildProcess.spawn(BuiltProducts.executable("poc"), ["watch"], environment: E2E.withoutLibfaketime(ProcessInfo.processInfo.environment.merging([
            "POC_SERVER": daemon.url, "POC_CERT": daemon.pki.certificate("supervisor.de.eva"),
            "POC_KEY": daemon.pki.privateKey("supervisor.de.eva"), "POC_CA": daemon.pki.caCert, "POC_CONFIG": "/nonexistent", "NO_COLOR": "1",
        ]) { $1 }), standardOutput: .file(out.path("out")), standardError: .file(out.path("err")))
        defer { watch.send(SIGKILL) }
        func printed() -> String { (try? String(contentsOfFile: out.path("out"), encoding: .utf8)) ?? "" }
        func said() -> String { (try? String(contentsOfFile: out.path("err"), encoding: .utf8)) ?? "" }
        E2E.eventually(15, "watch connects") { said().contains("connected") }

        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests",
                                       json: E2E.requestJSON(id: id, priority: "emergency", kind: "emergency-disclosure", reference: "VN-WATCH-1")).status, 201)
        E2E.eventually(20, "the overdue alert is printed") { printed().contains("OVERDUE VN-WATCH-1") }
        XCTAssertTrue(printed().contains("acknowledge by DE was due"), printed())

        // The daemon restarts; watch reconnects with Last-Event-ID and prints what came after.
        XCTAssertEqual(daemon.stop(), 0)
        E2E.eventually(15, "watch notices") { said().contains("reconnecting") }
        try daemon.start()
        E2E.eventually(30, "level 3 arrives after the restart") { printed().contains("level 3") }
        let lines = printed().split(separator: "\n").filter { $0.contains("VN-WATCH-1") && $0.contains("acknowledge") }
        XCTAssertEqual(lines.count, 3, "each level once, none lost across the restart: \(printed())")

        watch.send(SIGINT)
        XCTAssertTrue(watch.wait(timeout: 15), "Ctrl-C stops watch")
        XCTAssertEqual(watch.termination, .exited(0), "Ctrl-C exits cleanly")
    }
}
