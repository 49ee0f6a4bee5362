import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// What the operator who runs the box relies on, on the real daemon: one daemon per data
/// directory, files only it can read, a private key nobody else can read, every config
/// problem at once, and certificates rotated or revoked with SIGHUP, without a restart.
final class OperationsEndToEndTests: XCTestCase {
    var daemons: [PocdProcess] = []

    override func tearDown() {
        for d in daemons { d.stop() }
        daemons = []
    }

    func daemon(directory: String = E2E.localDirectory, start: Bool = true) throws -> PocdProcess {
        let d = try PocdProcess(name: "ops", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"], directory: directory)
        daemons.append(d)
        if start { try d.start() }
        return d
    }

    func submit(_ d: PocdProcess) throws -> String {
        let id = UUID().uuidString.lowercased()
        let r = try d.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id))
        XCTAssertEqual(r.status, 201, r.body)
        return id
    }

    func mode(_ path: String) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return -1 }
        return Int(info.st_mode & 0o777)
    }

    // MARK: - One daemon per data directory

    func testASecondDaemonOnTheSameDataDirectoryRefusesToStartAndNamesTheHolder() throws {
        let first = try daemon()
        _ = try submit(first)
        let second = try first.pocd(["--config", "CONFIG"])
        XCTAssertEqual(second.status, 1, second.description)
        let reason = second.stderr.split(separator: "\n").filter { $0.hasPrefix("pocd: ") }
        XCTAssertEqual(reason.count, 1, second.stderr)
        let pid = try XCTUnwrap(first.pid, "the first daemon runs")
        XCTAssertTrue(reason.first?.contains("data_dir \(first.dataPath) is in use by pocd PID \(pid)") ?? false, second.stderr)
        // The first one never noticed: it still serves and stores.
        _ = try submit(first)
        // After kill -9 the kernel releases the lock: a new daemon starts on the same folder.
        first.kill9()
        try first.start()
        XCTAssertEqual(try first.curl("officer.vn.alice", "GET", "/v1/queue").body.json["count"], 2)
    }

    // MARK: - Files only the daemon can read

    func testTheDataDirectoryAndTheDatabaseAreOnlyTheDaemonsWhateverTheUmask() throws {
        try E2E.requireSQLite()
        let old = umask(0)  // the most permissive: everything the daemon creates would be world-readable
        defer { umask(old) }
        let d = try daemon()
        _ = try submit(d)
        XCTAssertEqual(String(mode(d.dataPath), radix: 8), "700")
        for file in ["events.sqlite", "events.sqlite-wal", "events.sqlite-shm", "pocd.lock"] {
            XCTAssertEqual(String(mode(d.dataPath + "/" + file), radix: 8), "600", file)
        }
        let stat = try Subprocess.run("stat", ["-c", "%a %n", d.dataPath, d.dataPath + "/events.sqlite"])
        XCTAssertEqual(stat.stdout, "700 \(d.dataPath)\n600 \(d.dataPath)/events.sqlite\n")
        // A folder made open by someone else is closed again at start, and the log says so.
        d.stop()
        XCTAssertEqual(chmod(d.dataPath, 0o755), 0)
        XCTAssertEqual(chmod(d.dataPath + "/events.sqlite", 0o644), 0)
        try d.start()
        XCTAssertEqual(String(mode(d.dataPath), radix: 8), "700")
        XCTAssertEqual(String(mode(d.dataPath + "/events.sqlite"), radix: 8), "600")
        XCTAssertTrue(d.readLog().contains("data directory made private"), d.readLog())
    }

    func testAPrivateKeyReadableByOthersIsRefusedAsSshWould() throws {
        try E2E.requireSQLite()
        let d = try daemon(start: false)
        let key = d.folder.path("open.key")
        try FileManager.default.copyItem(atPath: d.pki.privateKey("pocd.vn"), toPath: key)
        XCTAssertEqual(chmod(key, 0o644), 0)
        let config = try String(contentsOfFile: d.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: d.pki.privateKey("pocd.vn"), with: key).write(toFile: d.configPath, atomically: true, encoding: .utf8)
        let run = try d.pocd(["--config", "CONFIG"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("pocd: \(d.configPath): tls.private_key \(key) is readable by its group and others (mode 644)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("chmod 600 \(key)"), run.stderr)
        let check = try d.pocd(["check-config", "--config", "CONFIG"])
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.stdout.contains("tls.private_key: the private key \(key) is readable by its group and others"), check.stdout)
        XCTAssertEqual(chmod(key, 0o640), 0)
        XCTAssertTrue(try d.pocd(["--config", "CONFIG"]).stderr.contains("is readable by its group (mode 640)"))
        XCTAssertEqual(chmod(key, 0o600), 0)
        try d.start()
    }

    // MARK: - The projection is not trusted blindly

    /// `UPDATE cases SET state = 'released'` with the sqlite3 CLI: audit verify names the
    /// request and exits 1; the next start finds it, rebuilds from the log and shows the truth.
    func testAnEditedProjectionRowIsFoundByAuditVerifyAndAtStart() throws {
        try E2E.requireSQLite()
        let d = try daemon()
        let id = try submit(d)
        XCTAssertEqual(try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge").status, 200)
        XCTAssertEqual(d.stop(), 0)
        let edit = try Subprocess.run("sqlite3", [d.dataPath + "/events.sqlite", "UPDATE cases SET state = 'released'"])
        XCTAssertEqual(edit.status, 0, edit.description)
        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 1, verify.description)
        XCTAssertTrue(verify.stdout.contains("events OK"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("PROJECTION DISAGREES"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("request \(id): state is released in the projection, acknowledged in the log"), verify.stdout)
        try d.start()
        XCTAssertTrue(d.readLog().contains("the projection disagrees with the event log"), d.readLog())
        XCTAssertTrue(d.readLog().contains("requests=\(id)"), d.readLog())
        XCTAssertEqual(try d.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["state"], "acknowledged", "the log is the truth")
        XCTAssertEqual(try d.curl("officer.de.bob", "GET", "/v1/queue").body.json["count"], 1, "still in the queue")
        let after = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(after.status, 0, after.description)
        XCTAssertTrue(after.stdout.contains("projection: 1 request agrees with the log"), after.stdout)
    }

    // MARK: - check-config

    func testCheckConfigReportsEveryProblemAtOnceWithFileAndKey() throws {
        let d = try daemon(start: false)
        var config = try String(contentsOfFile: d.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: d.pki.certificate("pocd.vn"), with: "/nonexistent/pocd.crt")
        config += "\nlisten_on: 8443\n"
        try config.write(toFile: d.configPath, atomically: true, encoding: .utf8)
        try d.writeDirectory(E2E.localDirectory + "\n  XX1: {name: broken}\n")
        try d.writePolicy("priorities:\n  urgent: {deliver_within: 15 minutes}\n")
        let check = try d.pocd(["check-config", "--config", "CONFIG"])
        XCTAssertEqual(check.status, 1)
        let lines = check.stdout.split(separator: "\n").map(String.init)
        func has(_ file: String, _ key: String) -> Bool { lines.contains { $0.hasPrefix("\(file): \(key)") } }
        XCTAssertTrue(has(d.configPath, "listen_on: unknown key"), check.stdout)
        XCTAssertTrue(has(d.configPath, "tls.certificate: /nonexistent/pocd.crt: No such file or directory"), check.stdout)
        XCTAssertTrue(has(d.directoryPath, "contact_points.XX1"), check.stdout)
        XCTAssertTrue(has(d.policyPath, "priorities.urgent"), check.stdout)
        XCTAssertGreaterThanOrEqual(lines.count, 4, check.stdout)
    }

    // MARK: - SIGHUP: certificates and revocations without a restart

    /// The operator revokes a certificate: the CRL (here: a `tls.crl` path added to pocd.yaml)
    /// is read on SIGHUP; that certificate's next handshake is refused, everyone else is
    /// served, and the daemon never restarted.
    func testARevokedCertificateIsRefusedAfterSIGHUPWithoutARestart() throws {
        let directory = E2E.localDirectory.replacingOccurrences(of: "      - {identity: officer.vn.alice, role: officer}",
                                                               with: "      - {identity: officer.vn.alice, role: officer}\n      - {identity: revoked.client, role: officer}")
        let d = try daemon(directory: directory)
        let pid = d.pid
        func asRevoked() throws -> Int {
            try d.curl(nil, "GET", "/v1/queue", extra: ["--cert", d.pki.revokedCert, "--key", d.pki.revokedKey]).status
        }
        XCTAssertEqual(try asRevoked(), 200, "no CRL yet: accepted")

        // A CRL path that does not exist: refused, the old TLS files stay, the log says why.
        try addToConfig(d, crl: "/nonexistent/ca.crl")
        let before = d.readLog()
        d.reload()
        E2E.eventually(10, "the refusal is logged") { d.readLog().dropFirst(before.count).contains("reload refused") }
        XCTAssertTrue(d.readLog().dropFirst(before.count).contains("/nonexistent/ca.crl"))
        XCTAssertFalse(d.readLog().dropFirst(before.count).contains("reloaded:"), "a log line never claims what did not happen")
        XCTAssertEqual(try asRevoked(), 200)

        try addToConfig(d, crl: d.pki.crl)
        let mark = d.readLog().count
        d.reload()
        E2E.eventually(10, "the reload is logged once in force") { d.readLog().dropFirst(mark).contains("reloaded: TLS files in use") }
        XCTAssertNotEqual(try asRevoked(), 200, "the revoked certificate's next handshake is refused")
        XCTAssertEqual(try d.curl("officer.vn.alice", "GET", "/v1/queue").status, 200, "everyone else is served")
        XCTAssertEqual(d.pid, pid, "no restart")
        XCTAssertTrue(d.readLog().dropFirst(mark).contains("crl=\(d.pki.crl)"), d.readLog())
    }

    /// A new server certificate is presented to new connections after SIGHUP; a setting only a
    /// restart can change is named in the log instead of being silently ignored.
    func testARotatedCertificateIsPresentedAfterSIGHUPAndRestartOnlySettingsAreNamed() throws {
        let d = try daemon()
        func presented() throws -> String {
            let out = try Subprocess.run("openssl", ["s_client", "-connect", "127.0.0.1:\(d.port)", "-CAfile", d.pki.caCert,
                                                     "-cert", d.pki.certificate("officer.vn.alice"), "-key", d.pki.privateKey("officer.vn.alice")],
                                         input: "")
            return out.stdout.split(separator: "\n").first { $0.hasPrefix("subject=") }.map(String.init) ?? out.stdout + out.stderr
        }
        let before = try presented()
        XCTAssertTrue(before.hasSuffix("CN = pocd.vn"), before)
        var config = try String(contentsOfFile: d.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: d.pki.certificate("pocd.vn"), with: d.pki.certificate("pocd.de"))
            .replacingOccurrences(of: d.pki.privateKey("pocd.vn"), with: d.pki.privateKey("pocd.de"))
            .replacingOccurrences(of: "data_dir: data", with: "data_dir: elsewhere")
        try config.write(toFile: d.configPath, atomically: true, encoding: .utf8)
        let mark = d.readLog().count
        d.reload()
        E2E.eventually(10, "the reload is logged") { d.readLog().dropFirst(mark).contains("reloaded: TLS files in use") }
        let after = try presented()
        XCTAssertTrue(after.hasSuffix("CN = pocd.de"), after)
        XCTAssertTrue(d.readLog().dropFirst(mark).contains("not applied until a restart: data_dir"), d.readLog())
        XCTAssertEqual(try d.curl("officer.vn.alice", "GET", "/v1/queue").status, 200)
    }

    func addToConfig(_ d: PocdProcess, crl: String) throws {
        var lines = try String(contentsOfFile: d.configPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeAll { $0.hasPrefix("  crl:") }
        if let i = lines.firstIndex(where: { $0.hasPrefix("  client_ca:") }) { lines.insert("  crl: \(crl)", at: i + 1) }
        try lines.joined(separator: "\n").write(toFile: d.configPath, atomically: true, encoding: .utf8)
    }

    // MARK: - Bodies the contract refuses

    func testAWhitespaceBodyAndANullIDAreRefusedAndChangeNothing() throws {
        let d = try daemon()
        let id = try submit(d)
        let blank = try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "  \n")
        XCTAssertEqual(blank.status, 400, blank.body)
        XCTAssertEqual(blank.body.json["type"], "urn:contactpoint:problem:malformed-json")
        XCTAssertEqual(try d.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["state"], "delivered", "nothing changed")
        let noBody = try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge")
        XCTAssertEqual(noBody.status, 200, "no body at all is an empty body")

        let nullID = E2E.requestJSON(id: "ID").replacingOccurrences(of: #""id":"ID""#, with: #""id":null"#)
        XCTAssertTrue(nullID.hasPrefix(#"{"id":null,"#), nullID)
        let r = try d.curl("officer.vn.alice", "POST", "/v1/requests", json: nullID)
        XCTAssertEqual(r.status, 422, r.body)
        let errors = r.body.json["errors"]?.arrayValue ?? []
        XCTAssertTrue(errors.contains { $0["field"] == "id" && $0["reason"] == "must be a string, not null" }, r.body)
        XCTAssertEqual(try d.curl("officer.vn.alice", "GET", "/v1/queue").body.json["count"], 1)
        // Alert ids are log positions: the stream's resume point is a whole number from 0, as documented.
        for bad in ["-1", "9223372036854775808", "12abc"] {
            let r = try d.curl("officer.vn.alice", "GET", "/v1/alerts/stream", extra: ["-H", "Last-Event-ID: \(bad)"])
            XCTAssertEqual(r.status, 422, "\(bad): \(r.body)")
            XCTAssertEqual(r.body.json["errors"]?[0]?["field"], "Last-Event-ID", r.body)
        }
    }
}
