import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// Personal content on real daemons and real files (docs/privacy.md): sealed at rest so a
/// grep of the data directory finds nothing, erased by destroying its data keys (on a
/// supervisor's order, or by the policy's retention on a moved clock) with the wrapped keys'
/// bytes gone from the database, its WAL and SHM, while `pocd audit verify` and
/// `Scripts/verify-bundle.py` still pass; master keys rotated, refused when wrong; and an
/// access log that names every reader, for supervisors only.
final class PrivacyEndToEndTests: XCTestCase {
    var daemons: [PocdProcess] = []

    override func tearDown() {
        for d in daemons { d.stop() }
        daemons = []
    }

    static let auditConfig = "audit: {checkpoint_interval: 1s}"

    func daemon(policy: String = PocdProcess.secondsPolicy, extra: String = auditConfig, start: Bool = true) throws -> PocdProcess {
        let d = try PocdProcess(name: "privacy", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: E2E.localDirectory, policy: policy, extraConfig: extra)
        daemons.append(d)
        if start { try d.start() }
        return d
    }

    /// A request naming a person no other test names, and that identifier.
    func submit(_ d: PocdProcess) throws -> (id: String, identifier: String) {
        let id = UUID().uuidString.lowercased()
        let identifier = "suspect-\(UUID().uuidString.prefix(8).lowercased())@example.org"
        let json = E2E.requestJSON(id: id).replacingOccurrences(of: "x@example.org", with: identifier)
        let r = try d.curl("officer.vn.alice", "POST", "/v1/requests", json: json)
        XCTAssertEqual(r.status, 201, r.body)
        return (id, identifier)
    }

    /// How many times `needle` occurs in each file under the data directory (every file, keys included).
    func occurrences(of needle: [UInt8], in d: PocdProcess) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let root = d.dataPath
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: root))
        for case let relative as String in walker {
            var isDirectory: ObjCBool = false
            let path = root + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var n = 0
            if needle.count <= bytes.count {
                var i = 0
                while i <= bytes.count - needle.count {
                    if bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle { n += 1; i += needle.count } else { i += 1 }
                }
            }
            counts[relative] = n
        }
        return counts
    }

    func total(_ counts: [String: Int]) -> Int { counts.values.reduce(0, +) }

    /// The wrapped data keys of a request, read from the database with the sqlite3 CLI.
    func wrappedKeys(_ d: PocdProcess, _ id: String) throws -> [[UInt8]] {
        let r = try Subprocess.run("sqlite3", [d.dataPath + "/events.sqlite", "SELECT hex(wrapped) FROM data_keys WHERE request_id = '\(id)'"])
        XCTAssertEqual(r.status, 0, r.description)
        return r.stdout.split(separator: "\n").map { line in
            var out: [UInt8] = []
            var i = line.startIndex
            while i < line.endIndex {
                let j = line.index(i, offsetBy: 2)
                out.append(UInt8(line[i..<j], radix: 16)!)
                i = j
            }
            return out
        }
    }

    // MARK: - Sealed at rest

    func testASubmittedIdentifierIsInNoFileOfTheDataDirectory() throws {
        try E2E.requireSQLite()
        let d = try daemon()
        let (id, identifier) = try submit(d)
        let shown = try d.curl("officer.de.bob", "GET", "/v1/requests/\(id)")
        XCTAssertEqual(shown.status, 200, shown.body)
        XCTAssertTrue(shown.body.contains(identifier), "an authorised reader sees the content: \(shown.body)")
        let ack = try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve", json: #"{"provider_reference":"EM-PROVIDER-REF-77"}"#)
        XCTAssertEqual(ack.status, 200, ack.body)

        let counts = try occurrences(of: Array(identifier.utf8), in: d)
        XCTAssertTrue(counts.keys.contains("events.sqlite"), "\(counts)")
        XCTAssertEqual(total(counts), 0, "grep -c of the identifier in data_dir/*: \(counts)")
        for secret in ["Victims paid for goods", "Example Mail GmbH", "duty@example.vn", "EM-PROVIDER-REF-77"] {
            XCTAssertEqual(total(try occurrences(of: Array(secret.utf8), in: d)), 0, secret)
        }
        // The grep works: what routing needs is there in clear.
        XCTAssertGreaterThan(total(try occurrences(of: Array("VN-A05-2026-0113".utf8), in: d)), 0)
        XCTAssertGreaterThan(total(try occurrences(of: Array(id.utf8), in: d)), 0)
        let log = d.readLog()
        XCTAssertTrue(log.contains("made the first master key"), log)
        let mode = try FileManager.default.attributesOfItem(atPath: d.dataPath + "/master-keys/default.key")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
    }

    // MARK: - Erasure

    func testAnEraseOnOrderDestroysTheKeysInEveryFileAndTheLogStillVerifies() throws {
        try E2E.requireSQLite()
        let d = try daemon()
        let (id, identifier) = try submit(d)
        let (other, otherIdentifier) = try submit(d)
        XCTAssertEqual(try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").status, 200)
        let keys = try wrappedKeys(d, id)
        XCTAssertEqual(keys.count, 1, "one data key: the submitted request's")
        XCTAssertGreaterThan(total(try occurrences(of: keys[0], in: d)), 0, "the wrapped key is in the files before")

        let officer = try d.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/erase", json: #"{"reason":"order 114"}"#)
        XCTAssertEqual(officer.status, 403, officer.body)
        let noReason = try d.curl("supervisor.vn.minh", "POST", "/v1/requests/\(id)/erase", json: #"{"why":"x"}"#)
        XCTAssertEqual(noReason.status, 422, noReason.body)
        XCTAssertTrue(noReason.body.contains("\"reason\"") && noReason.body.contains("unknown field"), noReason.body)
        XCTAssertEqual(try wrappedKeys(d, id).count, 1, "refusals change nothing")

        let erase = try d.poc("supervisor.vn.minh", ["erase", id, "--reason", "order 2026/114 of the People's Court"])
        XCTAssertEqual(erase.status, 0, erase.description)
        XCTAssertTrue(erase.stdout.contains("erased"), erase.stdout)
        XCTAssertEqual(try wrappedKeys(d, id).count, 0)
        XCTAssertEqual(try wrappedKeys(d, other).count, 1, "another request keeps its key")
        for key in keys {
            let counts = try occurrences(of: key, in: d)
            XCTAssertEqual(total(counts), 0, "the wrapped key is in no file: \(counts)")
        }
        XCTAssertEqual(total(try occurrences(of: Array(identifier.utf8), in: d)), 0)

        let view = try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)")
        XCTAssertEqual(view.status, 200, view.body)
        let json = view.body.json
        XCTAssertEqual(json["content_erased"]?["why"], "order", view.body)
        XCTAssertEqual(json["content_erased"]?["by"], "supervisor.vn.minh", view.body)
        XCTAssertNotNil(json["content_erased"]?["at"]?.stringValue.flatMap(Instant.init(rfc3339:)), view.body)
        XCTAssertNil(json["request"], "no content once erased: \(view.body)")
        XCTAssertEqual(json["reference"], "VN-A05-2026-0113", "the metadata stay")
        XCTAssertFalse(view.body.contains(identifier))
        XCTAssertTrue(try d.curl("officer.vn.alice", "GET", "/v1/requests/\(other)").body.contains(otherIdentifier))
        let again = try d.curl("supervisor.vn.minh", "POST", "/v1/requests/\(id)/erase", json: #"{"reason":"again"}"#)
        XCTAssertEqual(again.status, 409, again.body)

        // The log still verifies, and so does the erased request's evidence bundle, offline.
        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, verify.description)
        try waitCheckpointCoversTheLog(d)
        let file = d.folder.path("erased.bundle.json")
        let export = try d.pocd(["audit", "export", id, "--config", "CONFIG", "--output", file])
        XCTAssertEqual(export.status, 0, export.description)
        let bundle = try Subprocess.run("python3", [ProjectRoot.path("Scripts/verify-bundle.py"), file])
        XCTAssertEqual(bundle.status, 0, bundle.description)
        XCTAssertTrue(bundle.stdout.hasPrefix("OK"), bundle.stdout)
        XCTAssertFalse(try String(contentsOfFile: file, encoding: .utf8).contains(identifier))

        // After a restart, the same: erased, and no key comes back.
        XCTAssertEqual(d.stop(), 0)
        try d.start()
        XCTAssertEqual(try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json["content_erased"]?["why"], "order")
        XCTAssertEqual(try wrappedKeys(d, id).count, 0, "no key comes back")
        XCTAssertFalse(d.readLog().contains(identifier), "the daemon's log names no identifier")
        let reads = try Subprocess.run("sqlite3", [d.dataPath + "/events.sqlite",
                                                   "SELECT count(*) FROM events WHERE type = 'content-read' AND json_extract(payload, '$.request_id') = '\(id)' AND position > (SELECT position FROM events WHERE request_id = '\(id)' AND type = 'content-erased')"])
        XCTAssertEqual(reads.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0", "nothing to disclose once erased: no read recorded")
    }

    func testRetentionErasesTheContentOnAMovedClock() throws {
        try E2E.requireSQLite()
        let d = try daemon(policy: PocdProcess.secondsPolicy + "\nretention: {after_end: 2d}\n", start: false)
        d.usesTestClock = true
        try d.start()
        let (id, identifier) = try submit(d)
        let withdraw = try d.curl("officer.vn.alice", "POST", "/v1/requests/\(id)/withdraw", json: #"{"reason":"the suspect was arrested"}"#)
        XCTAssertEqual(withdraw.status, 200, withdraw.body)
        XCTAssertEqual(withdraw.body.json["state"], "withdrawn")
        XCTAssertNil(withdraw.body.json["content_erased"])
        XCTAssertTrue(withdraw.body.contains(identifier), "kept until the retention ends")
        let keys = try wrappedKeys(d, id)
        XCTAssertEqual(keys.count, 2, "the request's and the withdrawal reason's")

        try d.advanceClock(by: 2 * 86_400 + 1)
        try E2E.eventually(30, "the retention erases the content") {
            try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json["content_erased"]?["why"] == "retention"
        }
        XCTAssertEqual(try wrappedKeys(d, id).count, 0)
        try E2E.eventually(30, "the wrapped keys are wiped from every file") {
            try keys.allSatisfy { total(try occurrences(of: $0, in: d)) == 0 }
        }
        let view = try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)")
        XCTAssertFalse(view.body.contains(identifier), view.body)
        XCTAssertFalse(view.body.contains("the suspect was arrested"), "the reason was content too: \(view.body)")
        XCTAssertTrue(view.body.contains("\"withdrawn\""), view.body)
        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, verify.description)
    }

    // MARK: - Master keys

    func testRotationKeepsEveryRequestReadableAndTheOldKeyCanGo() throws {
        try E2E.requireSQLite()
        let d = try daemon(extra: "encryption: {keys: [{id: k1, file: keys/k1.key}]}", start: false)
        let k1 = d.folder.path("keys/k1.key"), k2 = d.folder.path("keys/k2.key")
        let generate = try d.pocd(["keys", "generate", "--output", k1])
        XCTAssertEqual(generate.status, 0, generate.description)
        try d.start()
        let (a, identifierA) = try submit(d)
        let (b, identifierB) = try submit(d)
        XCTAssertEqual(try d.curl("officer.de.bob", "POST", "/v1/requests/\(b)/refuse",
                                  json: #"{"ground":"sovereignty","reason":"concerns a protected person"}"#).status, 200)
        XCTAssertEqual(d.stop(), 0)

        XCTAssertEqual(try d.pocd(["keys", "generate", "--output", k2]).status, 0)
        try setEncryption(d, "encryption: {keys: [{id: k1, file: keys/k1.key}, {id: k2, file: keys/k2.key}]}")
        let rotate = try d.pocd(["keys", "rotate", "--config", "CONFIG"])
        XCTAssertEqual(rotate.status, 0, rotate.description)
        XCTAssertTrue(rotate.stdout.contains("rewrapped 3 data keys under master key 'k2'"), rotate.stdout)
        let masters = try Subprocess.run("sqlite3", [d.dataPath + "/events.sqlite", "SELECT DISTINCT master_key_id FROM data_keys"])
        XCTAssertEqual(masters.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "k2")

        // The old key removed from the config and destroyed: everything still reads.
        try setEncryption(d, "encryption: {keys: [{id: k2, file: keys/k2.key}]}")
        try FileManager.default.removeItem(atPath: k1)
        try d.start()
        XCTAssertTrue(try d.curl("officer.vn.alice", "GET", "/v1/requests/\(a)").body.contains(identifierA))
        let shownB = try d.curl("officer.vn.alice", "GET", "/v1/requests/\(b)").body
        XCTAssertTrue(shownB.contains(identifierB) && shownB.contains("concerns a protected person"), shownB)
        XCTAssertEqual(d.stop(), 0)

        // The store now needs k2: a config that lists only another key is refused at start.
        XCTAssertEqual(try d.pocd(["keys", "generate", "--output", d.folder.path("keys/k3.key")]).status, 0)
        try setEncryption(d, "encryption: {keys: [{id: k3, file: keys/k3.key}]}")
        XCTAssertThrowsError(try d.start(timeout: 30)) { error in
            XCTAssertTrue("\(error)".contains("does not list master key 'k2'"), "\(error)")
        }
    }

    func testAWrongOrExposedMasterKeyIsRefusedAtStart() throws {
        let d = try daemon()
        _ = try submit(d)
        XCTAssertEqual(d.stop(), 0)
        let file = d.dataPath + "/master-keys/default.key"
        let original = try Data(contentsOf: URL(fileURLWithPath: file))

        chmod(file, 0o644)
        XCTAssertThrowsError(try d.start(timeout: 30)) { XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)") }
        chmod(file, 0o600)

        let other = d.folder.path("other.key")
        XCTAssertEqual(try d.pocd(["keys", "generate", "--output", other]).status, 0)
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: other, toPath: file)
        chmod(file, 0o600)
        XCTAssertThrowsError(try d.start(timeout: 30)) {
            XCTAssertTrue("\($0)".contains("is not the key this store was sealed with"), "\($0)")
        }

        try setEncryption(d, "encryption: {keys: [{id: default, file: missing.key}]}")
        XCTAssertThrowsError(try d.start(timeout: 30)) { XCTAssertTrue("\($0)".contains("missing.key"), "\($0)") }

        try setEncryption(d, Self.auditConfig)
        try FileManager.default.removeItem(atPath: file)
        try original.write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        try d.start()
    }

    // MARK: - Who read what

    func testTheAccessLogNamesEachReaderForSupervisorsOnly() throws {
        try E2E.requireSQLite()
        let d = try daemon()
        let (id, _) = try submit(d)
        XCTAssertEqual(try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").status, 200)
        let show = try d.poc("officer.de.bob", ["show", id])
        XCTAssertEqual(show.status, 0, show.description)
        XCTAssertEqual(try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "{}").status, 200)
        XCTAssertEqual(try d.curl("stranger.xx", "GET", "/v1/requests/\(id)").status, 403)

        let log = try d.curl("supervisor.vn.minh", "GET", "/v1/requests/\(id)/access-log")
        XCTAssertEqual(log.status, 200, log.body)
        let items = log.body.json["items"]?.arrayValue ?? []
        let seen = items.map { "\($0["identity"]?.stringValue ?? "") \($0["via"]?.stringValue ?? "")" }
        XCTAssertEqual(seen, ["officer.vn.alice GET /v1/requests/{id}", "officer.de.bob GET /v1/requests/{id}",
                              "officer.de.bob POST /v1/requests/{id}/acknowledge"], log.body)
        XCTAssertTrue(items.allSatisfy { $0["at"]?.stringValue.flatMap(Instant.init(rfc3339:)) != nil && $0["position"]?.intValue != nil },
                      log.body)

        for reader in ["officer.vn.alice", "officer.de.bob"] {
            let refused = try d.curl(reader, "GET", "/v1/requests/\(id)/access-log")
            XCTAssertEqual(refused.status, 403, refused.body)
            XCTAssertTrue(refused.body.contains("supervisors"), refused.body)
        }
        let cli = try d.poc("supervisor.de.eva", ["access-log", id])
        XCTAssertEqual(cli.status, 0, cli.description)
        XCTAssertTrue(cli.stdout.contains("officer.vn.alice") && cli.stdout.contains("officer.de.bob"), cli.stdout)
        // Reading the access log discloses no content: it adds no read.
        let after = try d.curl("supervisor.vn.minh", "GET", "/v1/requests/\(id)/access-log").body.json["count"]
        XCTAssertEqual(after, 3)
        // The history shows the case, not the reads.
        let history = try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json["history"]?.arrayValue ?? []
        XCTAssertEqual(history.compactMap { $0["type"]?.stringValue }, ["submitted", "delivered", "acknowledged"])
    }

    // MARK: - Helpers

    /// Replaces the test's extra configuration (the encryption block) in pocd.yaml.
    func setEncryption(_ d: PocdProcess, _ block: String) throws {
        try d.writeExtraConfig(block)
    }

    /// Waits until the latest checkpoint covers every event in the log.
    func waitCheckpointCoversTheLog(_ d: PocdProcess) throws {
        try E2E.eventually(30, "a checkpoint covering the whole log") {
            let count = try Subprocess.run("sqlite3", [d.dataPath + "/events.sqlite", "SELECT count(*) FROM events"])
            let size = try d.curl("officer.vn.alice", "GET", "/v1/log/checkpoint").body.split(separator: "\n").dropFirst().first
            return size.map(String.init) == count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
