import AuditLog
import ContactPointModel
import ContactPointStore
import Sealing
import Foundation
import TestSupport
import XCTest

/// The audit log of docs/audit.md on real daemons, real files and real clients: a checkpoint
/// signed by VN and cosigned by DE as curl gets it, proofs that verify against it, an evidence
/// bundle that `Scripts/verify-bundle.py` accepts whole and refuses altered, a log edited with
/// the sqlite3 CLI the way an insider would (the hash chain recomputed, the tree rebuilt,
/// events deleted, a checkpoint forged) caught by `pocd audit verify` and at start, and a log
/// restored from a backup and grown again (a fork) caught by the partner that cosigned it.
final class AuditLogEndToEndTests: XCTestCase {
    var daemons: [PocdProcess] = []

    override func tearDown() {
        for d in daemons { d.stop() }
        daemons = []
    }

    /// Checkpoints come within a second, so a test waits for them instead of for the 10 s default.
    static let auditConfig = "audit: {checkpoint_interval: 1s}"
    static let vnOrigin = "pocd.vn/contactpoint"
    static let deOrigin = "pocd.de/contactpoint"

    // MARK: - 1. A checkpoint signed by VN and cosigned by DE, and proofs against it

    func testTheCheckpointIsSignedByTheLogAndCosignedByThePartnerAndItsProofsVerify() throws {
        let (vn, de, keys) = try witnessingPair()
        let first = try submit(vn)
        try waitDelivered(vn, first)
        let c1 = try waitCosigned(vn, logKey: keys.vn, witness: keys.de, atLeast: try logSize(vn))

        // As an officer sees it with curl: the C2SP checkpoint, the log's line and DE's.
        let served = try vn.curl("officer.vn.alice", "GET", "/v1/log/checkpoint")
        XCTAssertEqual(served.status, 200, served.body)
        let lines = served.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 6, served.body)
        XCTAssertEqual(lines.first, Self.vnOrigin, served.body)
        if lines.count >= 6 {
            XCTAssertNotNil(Int64(lines[1]), "the size line: \(served.body)")
            XCTAssertNotNil(MerkleHash(base64: lines[2]), "the base64 root: \(served.body)")
            XCTAssertEqual(lines[3], "", "an empty line before the signatures: \(served.body)")
            XCTAssertTrue(lines[4].hasPrefix("— \(Self.vnOrigin) "), served.body)
            XCTAssertTrue(lines.dropFirst(5).contains { $0.hasPrefix("— \(Self.deOrigin) ") }, served.body)
        }
        let note = try SignedNote(parsing: served.body)
        let verified = try note.verify(with: [keys.vn, keys.de.asWitness()]).map(\.name)
        XCTAssertEqual(Set(verified), [Self.vnOrigin, Self.deOrigin], "the log's signature and DE's cosignature verify")
        XCTAssertThrowsError(try note.verify(with: [try LogKey.generate().verifierKey(name: Self.vnOrigin)]),
                             "another key of the same name does not verify it")
        let checkpoint = try Checkpoint(body: note.body)
        XCTAssertEqual(checkpoint.origin, Self.vnOrigin)
        XCTAssertGreaterThanOrEqual(checkpoint.size, c1.size)

        // Every event of the request, as the officer sees it, is in the signed tree.
        try assertIncluded(vn, request: first, in: checkpoint)

        // The log grows; the next cosigned checkpoint is consistent with the first.
        let second = try submit(vn)
        try waitDelivered(vn, second)
        let c2 = try waitCosigned(vn, logKey: keys.vn, witness: keys.de, atLeast: max(c1.size + 2, try logSize(vn)))
        let consistency = try vn.curl("officer.vn.alice", "GET", "/v1/log/consistency?from=\(c1.size)&to=\(c2.size)")
        XCTAssertEqual(consistency.status, 200, consistency.body)
        let proof = try hashes(consistency.body.json["proof"])
        XCTAssertTrue(Merkle.verifyConsistency(from: c1.size, to: c2.size, fromRoot: c1.root, toRoot: c2.root, proof: proof),
                      "\(c1.size) → \(c2.size): \(consistency.body)")
        XCTAssertFalse(Merkle.verifyConsistency(from: c1.size, to: c2.size, fromRoot: c2.root, toRoot: c2.root, proof: proof),
                       "the proof is about these roots")
        try assertIncluded(vn, request: first, in: c2)
        try assertIncluded(vn, request: second, in: c2)

        // The other way round: VN witnesses DE's log.
        let deCheckpoint = try waitCosigned(de, identity: "officer.de.bob", logKey: keys.de, witness: keys.vn, atLeast: 2)
        XCTAssertEqual(deCheckpoint.origin, Self.deOrigin)
        for d in [vn, de] {
            let verify = try d.pocd(["audit", "verify", "--witnesses", "--config", "CONFIG"])
            XCTAssertEqual(verify.status, 0, verify.description)
            XCTAssertTrue(verify.stdout.contains(": agrees at "), verify.stdout)
        }
    }

    // MARK: - 2. The evidence bundle, checked offline

    func testAnExportedBundleVerifiesOfflineAndEachAlteredCopyFails() throws {
        try E2E.requireSQLite()
        let (vn, _, keys) = try witnessingPair()
        let id = try submit(vn), other = try submit(vn)
        try waitDelivered(vn, id)
        try waitDelivered(vn, other)
        _ = try waitCosigned(vn, logKey: keys.vn, witness: keys.de, atLeast: 4)

        let file = vn.folder.path("case.bundle.json")
        let export = try vn.pocd(["audit", "export", id, "--config", "CONFIG", "--output", file])
        XCTAssertEqual(export.status, 0, export.description)
        // The request's events up to the checkpoint: submitted, delivered, and the reads of it
        // (content-read, docs/privacy.md §3), counted in the database.
        let size = try XCTUnwrap(export.stdout.components(separatedBy: "at checkpoint size ").dropFirst().first?
            .prefix { $0.isNumber }).description
        let n = try XCTUnwrap(Int(try vn.sql("SELECT count(*) FROM events WHERE request_id = '\(id)' AND position <= \(size)")
            .trimmingCharacters(in: .whitespacesAndNewlines)), export.stdout)
        XCTAssertGreaterThanOrEqual(n, 2, export.stdout)
        XCTAssertTrue(export.stdout.contains("\(n) events of request \(id)"), export.stdout)
        XCTAssertTrue(export.stdout.contains("1 cosignature"), export.stdout)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(text.contains(id))
        XCTAssertFalse(text.contains(other), "nothing of another request")
        let bundle = text.json
        XCTAssertEqual(bundle["events"]?.arrayValue?.count, n, text)
        XCTAssertEqual(bundle["log_key"]?.stringValue, "\(keys.vn)")
        XCTAssertEqual(bundle["witness_keys"], [.string("\(try keys.de.asWitness())")])

        let ok = try verifyBundle(file)
        XCTAssertEqual(ok.status, 0, ok.description)
        XCTAssertTrue(ok.stdout.hasPrefix("OK: \(n) events of request \(id) are in \(Self.vnOrigin) at size "), ok.stdout)
        XCTAssertTrue(ok.stdout.contains(Self.deOrigin), "names the witness whose cosignature verified: \(ok.stdout)")

        // One byte changed in three places, each in its own copy.
        let leaf = try XCTUnwrap(bundle["events"]?[0]?["leaf"]?.stringValue, text)
        let alteredLeaf = try XCTUnwrap(changingOneByte(leaf, after: "\"actor\":\""), leaf)
        let checkpoint = try XCTUnwrap(bundle["checkpoint"]?.stringValue, text)
        var lines = checkpoint.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 6 else { return XCTFail("a checkpoint with a cosignature: \(checkpoint)") }
        lines[1] = try XCTUnwrap(changingLastDigit(lines[1]), lines[1])
        let alteredSize = lines.joined(separator: "\n")
        lines = checkpoint.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let cosignature = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("— \(Self.deOrigin) ") }, checkpoint)
        lines[cosignature] = try XCTUnwrap(changingBase64(lines[cosignature]), lines[cosignature])
        let alteredCosignature = lines.joined(separator: "\n")

        let copies: [(String, JSONValue, String)] = [
            ("leaf", try replacing(bundle, event: 0, leaf: alteredLeaf), "events[0] (leaf index "),
            ("size", replacing(bundle, checkpoint: alteredSize), "checkpoint: the log signature (signature line 1) does not verify"),
            ("cosignature", replacing(bundle, checkpoint: alteredCosignature),
             "checkpoint: the cosignature of \(Self.deOrigin) (signature line \(cosignature - 3)) does not verify"),
        ]
        for (what, json, expected) in copies {
            let copy = vn.folder.path("altered-\(what).bundle.json")
            XCTAssertTrue(FileManager.default.createFile(atPath: copy, contents: Data(json.serialized())), copy)
            let r = try verifyBundle(copy)
            XCTAssertNotEqual(r.status, 0, "\(what): \(r.description)")
            XCTAssertTrue(r.stdout.hasPrefix("FAIL: \(expected)"), "\(what): \(r.stdout)")
            XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "one line: \(r.stdout)")
        }
        XCTAssertTrue(try verifyBundle(vn.folder.path("altered-leaf.bundle.json")).stdout.contains("inclusion proof does not lead"))
    }

    // MARK: - 3. An insider with the sqlite3 CLI

    func testAnHonestLogVerifiesWithItsTreeAndCheckpoints() throws {
        let (d, events) = try loggedDaemon()
        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, verify.description)
        XCTAssertTrue(verify.stdout.contains("\(events.count) events OK"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("tree: \(events.count) leaves OK; "), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("agree with it, the latest at size \(events.count)"), verify.stdout)
    }

    /// The insider's script: edit an event, then recompute every hash of the chain after it.
    /// The chain is whole again; the leaf in the tree is not.
    func testAnEditedEventWithTheHashChainRecomputedIsNamedByItsLeaf() throws {
        try E2E.requireSQLite()
        let (d, events) = try loggedDaemon()
        let target = try XCTUnwrap(events.first { $0.event.actor == "officer.vn.alice" }, "a submission by alice")
        let forged = try rechained(events, editing: target.position) { $0.actor = "officer.vn.mallory" }
        try tamper(d, forged.sql)

        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 1, verify.description)
        XCTAssertTrue(verify.stdout.contains("\(events.count) events OK"), "the recomputed chain passes: \(verify.stdout)")
        let broken = verify.stdout.split(separator: "\n").first { $0.hasPrefix("BROKEN") }.map(String.init) ?? ""
        XCTAssertTrue(broken.hasPrefix("BROKEN: event \(target.position) (id \(target.event.id), request \(target.event.requestID)): "
                                       + "its canonical form does not match the leaf written with it"), verify.stdout)
    }

    /// The same, and the Merkle nodes rebuilt from the edited events: the tree agrees with the
    /// log, but not with the root VN signed.
    func testAnEditedEventWithTheChainAndTheTreeRecomputedFailsOnTheSignedCheckpoint() throws {
        try E2E.requireSQLite()
        let (d, events) = try loggedDaemon()
        let target = try XCTUnwrap(events.first { $0.event.actor == "officer.vn.alice" }, "a submission by alice")
        let forged = try rechained(events, editing: target.position) { $0.actor = "officer.vn.mallory" }
        try tamper(d, forged.sql + rebuiltTreeSQL(forged.events))

        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 1, verify.description)
        XCTAssertTrue(verify.stdout.contains("\(events.count) events OK"), verify.stdout)
        let broken = verify.stdout.split(separator: "\n").first { $0.hasPrefix("BROKEN") }.map(String.init) ?? ""
        XCTAssertTrue(broken.hasPrefix("BROKEN: checkpoint of size "), verify.stdout)
        XCTAssertTrue(broken.contains("not the signed") && broken.contains("the log was rebuilt"), verify.stdout)

        let start = try startRefused(d)
        XCTAssertTrue(start.contains("do not give the root signed in the checkpoint"), start)
    }

    /// The last events and their nodes deleted: a consistent, shorter log — shorter than the
    /// checkpoint signed at shutdown.
    func testDeletedLastEventsAndTheirNodesAreShorterThanTheCheckpoint() throws {
        try E2E.requireSQLite()
        let (d, events) = try loggedDaemon()
        let kept = Int64(events.count - 2)
        try tamper(d, "DELETE FROM events WHERE position > \(kept); DELETE FROM merkle_nodes WHERE ((idx + 1) << level) > \(kept); "
                   + "UPDATE meta SET value = \(kept) WHERE key = 'tree_size';")
        XCTAssertEqual(try sqlite(d, "SELECT value FROM meta WHERE key = 'tree_size'").trimmingCharacters(in: .whitespacesAndNewlines), "\(kept)")

        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 1, verify.description)
        XCTAssertTrue(verify.stdout.contains("BROKEN: the log has \(kept) events but a checkpoint of size \(events.count) was signed at "),
                      verify.stdout)
        XCTAssertTrue(verify.stdout.contains("events after \(kept) were deleted"), verify.stdout)

        let start = try startRefused(d)
        XCTAssertTrue(start.contains("the event log has \(kept) events, but a checkpoint of \(events.count) was signed"), start)
        XCTAssertTrue(start.contains("events were deleted"), start)
    }

    /// The last events deleted, their nodes left: the tree is larger than the log.
    func testDeletedLastEventsWithTheirNodesLeftAreRefusedAtStart() throws {
        try E2E.requireSQLite()
        let (d, events) = try loggedDaemon()
        let kept = Int64(events.count - 2)
        try tamper(d, "DELETE FROM events WHERE position > \(kept);")

        let start = try startRefused(d)
        XCTAssertTrue(start.contains("the Merkle tree covers \(events.count) events but the log has only \(kept)"), start)
        XCTAssertTrue(start.contains("events \(kept + 1) to \(events.count) were deleted"), start)
        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 1, verify.description)
        XCTAssertTrue(verify.stdout.hasPrefix("BROKEN: "), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("were deleted"), verify.stdout)
    }

    /// A checkpoint row with the true root, signed by a key that is not the log's.
    func testACheckpointSignedByAnotherKeyIsNamed() throws {
        try E2E.requireSQLite()
        let (d, events) = try loggedDaemon()
        let signed = Set(try sqlite(d, "SELECT size FROM checkpoints").split(separator: "\n").compactMap { Int64($0) })
        let size = try XCTUnwrap((1...Int64(events.count)).first { !signed.contains($0) },
                                 "a size without a checkpoint (signed: \(signed.sorted()))")
        var tree = MerkleTreeState()
        for e in events.prefix(Int(size)) { _ = tree.append(Merkle.leafHash(e.event.leafData)) }
        let body = try Checkpoint(origin: Self.vnOrigin, size: size, root: tree.root).body
        let note = try SignedNote.sign(body: body, name: Self.vnOrigin, key: LogKey.generate())
        try tamper(d, "INSERT INTO checkpoints (size, root, note, issued_ms) VALUES (\(size), '\(tree.root.base64)', "
                   + "'\(note.text.replacingOccurrences(of: "'", with: "''"))', \(Int64(Date().timeIntervalSince1970 * 1000)));")

        let verify = try d.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 1, verify.description)
        XCTAssertTrue(verify.stdout.contains("BROKEN: checkpoint of size \(size): its signature does not verify with the log key \(Self.vnOrigin)"),
                      verify.stdout)
    }

    // MARK: - 4. A fork, caught by the partner that cosigned

    /// VN's operator restores an old copy of the data directory and carries on: VN's new
    /// checkpoints contradict the one DE cosigned. DE refuses to cosign and both raise a
    /// `log-inconsistent` alert; DE's own log stays sound; VN's `audit verify --witnesses`
    /// names DE's record.
    func testALogRestoredFromABackupAndGrownAgainIsRefusedByThePartnerAndAlertedAtBothEnds() throws {
        try E2E.requireSQLite()
        let (vn, de, keys) = try witnessingPair()
        for _ in 0..<2 { try waitDelivered(vn, try submit(vn)) }
        let s1 = try waitCosigned(vn, logKey: keys.vn, witness: keys.de, atLeast: 4).size
        try waitWitnessed(de, size: s1)
        XCTAssertEqual(vn.stop(), 0)
        let backup = vn.folder.path("data.backup")
        try FileManager.default.copyItem(atPath: vn.dataPath, toPath: backup)

        try vn.start()
        for _ in 0..<2 { try waitDelivered(vn, try submit(vn)) }
        let s2 = try waitCosigned(vn, logKey: keys.vn, witness: keys.de, atLeast: s1 + 4).size
        try waitWitnessed(de, size: s2)
        XCTAssertEqual(vn.stop(), 0)

        try FileManager.default.removeItem(atPath: vn.dataPath)
        try FileManager.default.moveItem(atPath: backup, toPath: vn.dataPath)
        try vn.start()
        let forked = (0..<4).map { _ in UUID().uuidString.lowercased() }
        for id in forked { try waitDelivered(vn, try submit(vn, id: id)) }
        try E2E.eventually(60, "VN signs a checkpoint larger than the \(s2) DE cosigned") {
            try (checkpoint(vn).flatMap { try? Checkpoint(body: $0.body) }?.size ?? 0) > s2
        }

        func inconsistencies(_ d: PocdProcess, _ identity: String) throws -> [JSONValue] {
            let r = try d.curl(identity, "GET", "/v1/alerts")
            return (r.body.json["alerts"]?.arrayValue ?? []).filter { $0["kind"] == "log-inconsistent" && $0["origin"] == .string(Self.vnOrigin) }
        }
        E2E.eventually(60, "DE, the witness, alerts that VN's log is not consistent with what it cosigned") {
            ((try? inconsistencies(de, "officer.de.bob")) ?? []).contains { $0["cause"]?.stringValue?.contains("not consistent with the one of \(s2)") ?? false }
        }
        E2E.eventually(60, "VN, the log, alerts that DE refused its checkpoint") {
            ((try? inconsistencies(vn, "officer.vn.alice")) ?? []).contains { $0["cause"]?.stringValue?.contains("refused checkpoint") ?? false }
        }
        XCTAssertFalse(try inconsistencies(de, "supervisor.de.eva").isEmpty, "DE's supervisor sees it too")
        // Each alert is an event, so VN's log grows and it offers DE a new checkpoint: that must not
        // raise a new alert each time. Wait for DE to refuse VN's next checkpoints, then count.
        func refusals() -> Int { vn.readLog().components(separatedBy: "a witness holds a checkpoint this log contradicts").count - 1 }
        let before = refusals()
        try waitDelivered(vn, try submit(vn))
        E2E.eventually(60, "DE refuses VN's next checkpoints too") { refusals() >= before + 2 }
        XCTAssertLessThanOrEqual(try inconsistencies(de, "officer.de.bob").count, 2, "once per contradicted checkpoint, and how")
        XCTAssertLessThanOrEqual(try inconsistencies(vn, "officer.vn.alice").count, 2, "once per contradicted checkpoint, and how")
        XCTAssertTrue(try de.curl("supervisor.de.eva", "GET", "/v1/log/witnessed?origin=pocd.vn%2Fcontactpoint").body.hasPrefix("\(Self.vnOrigin)\n\(s2)\n"),
                      "DE keeps the checkpoint it cosigned")

        let deVerify = try de.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(deVerify.status, 0, "DE's own log is sound: \(deVerify.description)")
        let vnVerify = try vn.pocd(["audit", "verify", "--witnesses", "--config", "CONFIG"])
        XCTAssertEqual(vnVerify.status, 1, vnVerify.description)
        XCTAssertTrue(vnVerify.stdout.contains("BROKEN: witness DE (\(Self.deOrigin)) cosigned root "), vnVerify.stdout)
        XCTAssertTrue(vnVerify.stdout.contains("at \(s2) events; this log gives another there"), vnVerify.stdout)
    }

    // MARK: - Two daemons that witness each other

    struct Keys {
        var vn: VerifierKey
        var de: VerifierKey
    }

    /// VN and DE on loopback, each with a log key made by `pocd keygen` before its first start
    /// and listed in the other's directory.
    func witnessingPair() throws -> (vn: PocdProcess, de: PocdProcess, keys: Keys) {
        let ports = ["VN": FreePort.next(), "DE": FreePort.next()]
        func make(_ code: String) throws -> PocdProcess {
            let d = try PocdProcess(name: "audit-\(code.lowercased())", pki: E2E.pki(), serverIdentity: "pocd.\(code.lowercased())",
                                    contactPoints: [code], directory: pairDirectory(local: code, ports: ports, keys: [:]),
                                    extraConfig: Self.auditConfig, port: ports[code] ?? 0)
            daemons.append(d)
            return d
        }
        let vn = try make("VN"), de = try make("DE")
        let keys = Keys(vn: try keygen(vn), de: try keygen(de))
        XCTAssertEqual(keys.vn.name, Self.vnOrigin)
        XCTAssertEqual(keys.de.name, Self.deOrigin)
        let vkeys = ["VN": "\(keys.vn)", "DE": "\(keys.de)"]
        try vn.writeDirectory(pairDirectory(local: "VN", ports: ports, keys: vkeys))
        try de.writeDirectory(pairDirectory(local: "DE", ports: ports, keys: vkeys))
        try vn.start()
        try de.start()
        return (vn, de, keys)
    }

    func pairDirectory(local: String, ports: [String: Int], keys: [String: String]) -> String {
        let people = ["VN": [("officer.vn.alice", "officer"), ("supervisor.vn.minh", "supervisor")],
                      "DE": [("officer.de.bob", "officer"), ("supervisor.de.eva", "supervisor")]]
        var text = "contact_points:\n"
        for code in ["VN", "DE"] {
            let identity = "pocd.\(code.lowercased())"
            text += "  \(code):\n    name: \"\(code) 24/7\"\n"
            if code == local {
                text += "    daemon: local\n"
            } else {
                let key = keys[code].map { ", log_key: \"\($0)\"" } ?? ""
                text += "    daemon: {url: \"https://127.0.0.1:\(ports[code] ?? 0)\", identity: \(identity)\(key)}\n"
            }
            text += "    principals:\n"
            for (id, role) in people[code] ?? [] { text += "      - {identity: \(id), role: \(role)}\n" }
            if code != local { text += "      - {identity: \(identity), role: daemon}\n" }
        }
        return text
    }

    /// `pocd keygen`: writes data/log.key and prints the vkey for the partner's directory.
    func keygen(_ d: PocdProcess) throws -> VerifierKey {
        let r = try d.pocd(["keygen", "--config", "CONFIG"])
        XCTAssertEqual(r.status, 0, r.description)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("log_key: \"") }, r.stdout)
        return try VerifierKey(parsing: String(line.dropFirst("log_key: \"".count).dropLast()))
    }

    // MARK: - Requests and checkpoints

    func submit(_ d: PocdProcess, id: String = UUID().uuidString.lowercased()) throws -> String {
        let r = try d.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id))
        XCTAssertEqual(r.status, 201, r.body)
        return id
    }

    func waitDelivered(_ d: PocdProcess, _ id: String) throws {
        try E2E.eventually(30, "request \(id) delivered") {
            try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json["state"] == "delivered"
        }
    }

    /// The checkpoint `d` serves now, parsed as a signed note (nil if none yet).
    func checkpoint(_ d: PocdProcess, identity: String = "officer.vn.alice") throws -> SignedNote? {
        let r = try d.curl(identity, "GET", "/v1/log/checkpoint")
        return r.status == 200 ? try? SignedNote(parsing: r.body) : nil
    }

    /// Waits until `d` serves a checkpoint of at least `size` events whose log signature and
    /// `witness`'s cosignature both verify, and returns it.
    @discardableResult
    func waitCosigned(_ d: PocdProcess, identity: String = "officer.vn.alice", logKey: VerifierKey, witness: VerifierKey,
                      atLeast size: Int64) throws -> Checkpoint {
        let cosigner = try witness.asWitness()
        var found: Checkpoint?
        try E2E.eventually(60, "\(logKey.name) serves a checkpoint of at least \(size) cosigned by \(witness.name)") {
            guard let note = try checkpoint(d, identity: identity),
                  let names = try? note.verify(with: [logKey, cosigner]).map(\.name),
                  Set(names) == [logKey.name, cosigner.name],
                  let c = try? Checkpoint(body: note.body), c.size >= size else { return false }
            found = c
            return true
        }
        return try XCTUnwrap(found, "no cosigned checkpoint; log:\n\(d.readLog())")
    }

    /// Waits until `de` holds VN's checkpoint of `size` as the latest it cosigned.
    func waitWitnessed(_ de: PocdProcess, size: Int64) throws {
        try E2E.eventually(60, "DE's record of VN's log is at \(size)") {
            let r = try de.curl("supervisor.de.eva", "GET", "/v1/log/witnessed?origin=pocd.vn%2Fcontactpoint")
            return r.status == 200 && r.body.hasPrefix("\(Self.vnOrigin)\n\(size)\n")
        }
    }

    /// Every event of `request` in `d`'s history has an inclusion proof, from `d`, that leads
    /// from its leaf (built from what the API shows) to `checkpoint`'s root.
    func assertIncluded(_ d: PocdProcess, request: String, in checkpoint: Checkpoint, line: UInt = #line) throws {
        let view = try d.curl("officer.vn.alice", "GET", "/v1/requests/\(request)").body.json
        let history = view["history"]?.arrayValue ?? []
        XCTAssertFalse(history.isEmpty, "\(view)", line: line)
        for h in history {
            let id = try XCTUnwrap(h["id"]?.stringValue, line: line)
            let event = NewEvent(id: id, requestID: request, sequence: h["sequence"]?.intValue ?? -1, type: h["type"]?.stringValue ?? "",
                                 actor: h["actor"]?.stringValue ?? "", at: try XCTUnwrap(Instant(rfc3339: h["at"]?.stringValue ?? ""), line: line),
                                 payload: SealedContent.storedForm(h["details"] ?? .null, type: h["type"]?.stringValue ?? ""))
            let position = try XCTUnwrap(Int64(try d.sql("SELECT position FROM events WHERE id = '\(id)'")),
                                         "event \(id) in the database", line: line)
            let r = try d.curl("officer.vn.alice", "GET", "/v1/log/inclusion?index=\(position - 1)&size=\(checkpoint.size)")
            XCTAssertEqual(r.status, 200, r.body, line: line)
            XCTAssertEqual(r.body.json["root"]?.stringValue, checkpoint.root.base64, "the root at that size is the signed one", line: line)
            let proof = try hashes(r.body.json["proof"])
            XCTAssertTrue(Merkle.verifyInclusion(leafHash: Merkle.leafHash(event.leafData), index: position - 1, size: checkpoint.size,
                                                 proof: proof, root: checkpoint.root), "event \(position): \(r.body)", line: line)
            var other = event
            other.actor = "someone.else"
            XCTAssertFalse(Merkle.verifyInclusion(leafHash: Merkle.leafHash(other.leafData), index: position - 1, size: checkpoint.size,
                                                  proof: proof, root: checkpoint.root), "only that leaf", line: line)
        }
    }

    func hashes(_ value: JSONValue?) throws -> [MerkleHash] {
        let list = try XCTUnwrap(value?.arrayValue, "a proof: \(String(describing: value))")
        return try list.map { try XCTUnwrap($0.stringValue.flatMap { MerkleHash(base64: $0) }, "a base64 hash: \($0)") }
    }

    // MARK: - Bundles

    func verifyBundle(_ file: String) throws -> ProcessOutput {
        try Subprocess.run("python3", [ProjectRoot.path("Scripts/verify-bundle.py"), file])
    }

    func replacing(_ bundle: JSONValue, checkpoint: String) -> JSONValue {
        guard var o = bundle.objectValue else { return bundle }
        o["checkpoint"] = .string(checkpoint)
        return .object(o)
    }

    func replacing(_ bundle: JSONValue, event index: Int, leaf: String) throws -> JSONValue {
        var o = try XCTUnwrap(bundle.objectValue)
        var events = try XCTUnwrap(o["events"]?.arrayValue)
        var e = try XCTUnwrap(events.indices.contains(index) ? events[index].objectValue : nil, "event \(index) of the bundle")
        e["leaf"] = .string(leaf)
        events[index] = .object(e)
        o["events"] = .array(events)
        return .object(o)
    }

    /// `text` with the first letter after `marker` replaced by the next letter (one byte).
    func changingOneByte(_ text: String, after marker: String) -> String? {
        guard let range = text.range(of: marker), range.upperBound < text.endIndex else { return nil }
        var bytes = Array(text.utf8)
        let i = text.utf8.distance(from: text.utf8.startIndex, to: range.upperBound)
        guard (UInt8(ascii: "a")..<UInt8(ascii: "z")).contains(bytes[i]) else { return nil }
        bytes[i] += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A decimal with its last digit changed (still a decimal without leading zeros).
    func changingLastDigit(_ decimal: String) -> String? {
        guard let last = decimal.utf8.last, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(last) else { return nil }
        return String(decimal.dropLast()) + (last == UInt8(ascii: "9") ? "8" : String(UnicodeScalar(last + 1)))
    }

    /// A signature line with one character of its base64 changed inside the signature bytes
    /// (after the key ID and the timestamp), keeping the base64 canonical.
    func changingBase64(_ line: String) -> String? {
        guard let space = line.lastIndex(of: " ") else { return nil }
        var base64 = Array(line[line.index(after: space)...].utf8)
        let i = 60
        guard base64.count > i + 4 else { return nil }
        base64[i] = base64[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return String(line[...space]) + String(decoding: base64, as: UTF8.self)
    }

    // MARK: - One daemon's log, and the insider's tools

    /// One daemon (VN and DE local) with a few requests, checkpoints every second, stopped
    /// (its last checkpoint signed at shutdown), and its events as the database holds them.
    func loggedDaemon() throws -> (PocdProcess, [StoredEvent]) {
        let d = try PocdProcess(name: "audit", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: E2E.localDirectory, extraConfig: Self.auditConfig)
        daemons.append(d)
        try d.start()
        var ids: [String] = []
        for _ in 0..<3 { ids.append(try submit(d)) }
        let acknowledged = try d.curl("officer.de.bob", "POST", "/v1/requests/\(ids[0])/acknowledge", json: "{}")
        XCTAssertEqual(acknowledged.status, 200, acknowledged.body)
        try E2E.eventually(30, "a checkpoint while the daemon runs") { try checkpoint(d) != nil }
        XCTAssertEqual(d.stop(), 0)
        let events = try storedEvents(d)
        XCTAssertGreaterThanOrEqual(events.count, 7, "3 requests submitted and delivered, one acknowledged")
        try assertTheInsiderComputesAsTheDaemon(d, events)
        return (d, events)
    }

    /// The forger's arithmetic is the daemon's: the chain and the tree recomputed from the rows
    /// are the stored ones (so a test's forgery fails for the reason it claims).
    func assertTheInsiderComputesAsTheDaemon(_ d: PocdProcess, _ events: [StoredEvent]) throws {
        var previous = HashChain.genesis
        for e in events {
            XCTAssertEqual(e.previousHash, previous, "event \(e.position)")
            XCTAssertEqual(HashChain.hash(previous: previous, envelope: e.event.canonicalEnvelope), e.hash, "event \(e.position)")
            previous = e.hash
        }
        // The store keeps each event's leaf hash in its row and the subtrees of 16 leaves and more.
        var stored = Set<String>()
        for row in try sqliteJSON(d, "SELECT level, idx, lower(hex(hash)) AS hash FROM merkle_nodes") {
            stored.insert("\(row["level"]?.intValue ?? -1)/\(row["idx"]?.intValue ?? -1)/\(row["hash"]?.stringValue ?? "")")
        }
        for row in try sqliteJSON(d, "SELECT position, lower(hex(leaf)) AS leaf FROM events") {
            stored.insert("leaf/\(row["position"]?.intValue ?? -1)/\(row["leaf"]?.stringValue ?? "")")
        }
        var tree = MerkleTreeState()
        var rebuilt = Set<String>()
        for e in events {
            let leaf = Merkle.leafHash(e.event.leafData)
            rebuilt.insert("leaf/\(e.position)/\(leaf.hex)")
            for n in tree.append(leaf) where n.level >= 4 { rebuilt.insert("\(n.level)/\(n.index)/\(n.hash.hex)") }
        }
        XCTAssertEqual(rebuilt, stored, "the leaves and Merkle nodes rebuilt from the rows")
        XCTAssertEqual(try sqlite(d, "SELECT value FROM meta WHERE key = 'tree_size'").trimmingCharacters(in: .whitespacesAndNewlines), "\(events.count)")
    }

    /// The events as the sqlite3 CLI reads them.
    func storedEvents(_ d: PocdProcess) throws -> [StoredEvent] {
        try sqliteJSON(d, "SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash FROM events ORDER BY position").map { row in
            let payload = try JSONParser.parse(try XCTUnwrap(row["payload"]?.stringValue, "\(row)"))
            let event = NewEvent(id: row["id"]?.stringValue ?? "", requestID: row["request_id"]?.stringValue ?? "",
                                 sequence: row["sequence"]?.intValue ?? -1, type: row["type"]?.stringValue ?? "",
                                 actor: row["actor"]?.stringValue ?? "",
                                 at: try XCTUnwrap(Instant(rfc3339: row["at"]?.stringValue ?? ""), "\(row)"), payload: payload)
            return StoredEvent(position: Int64(row["position"]?.intValue ?? -1), event: event,
                               previousHash: row["prev_hash"]?.stringValue ?? "", hash: row["hash"]?.stringValue ?? "")
        }
    }

    /// `events` with `position` edited and every hash from it on recomputed, and the SQL that
    /// writes them.
    func rechained(_ events: [StoredEvent], editing position: Int64, _ edit: (inout NewEvent) -> Void) throws -> (events: [StoredEvent], sql: String) {
        var forged = events
        let start = try XCTUnwrap(forged.firstIndex { $0.position == position })
        edit(&forged[start].event)
        var sql = ""
        for i in start..<forged.count {
            let previous = i == 0 ? HashChain.genesis : forged[i - 1].hash
            forged[i].previousHash = previous
            forged[i].hash = HashChain.hash(previous: previous, envelope: forged[i].event.canonicalEnvelope)
            sql += "UPDATE events SET actor = '\(forged[i].event.actor.replacingOccurrences(of: "'", with: "''"))', "
                + "prev_hash = '\(forged[i].previousHash)', hash = '\(forged[i].hash)' WHERE position = \(forged[i].position);\n"
        }
        return (forged, sql)
    }

    /// The SQL that replaces every leaf and Merkle node with those of the tree over `events`.
    func rebuiltTreeSQL(_ events: [StoredEvent]) -> String {
        var tree = MerkleTreeState()
        var sql = "DELETE FROM merkle_nodes;\n"
        for e in events {
            let leaf = Merkle.leafHash(e.event.leafData)
            sql += "UPDATE events SET leaf = X'\(leaf.hex)' WHERE position = \(e.position);\n"
            for n in tree.append(leaf) where n.level >= 4 {
                sql += "INSERT INTO merkle_nodes (level, idx, hash) VALUES (\(n.level), \(n.index), X'\(n.hash.hex)');\n"
            }
        }
        return sql
    }

    /// Runs `sql` on the stopped daemon's database after dropping the append-only triggers.
    func tamper(_ d: PocdProcess, _ sql: String) throws {
        XCTAssertNil(d.pid, "the daemon is stopped before its file is edited")
        _ = try sqlite(d, "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;\n" + sql)
    }

    /// The log's size now (reads of requests add events too: docs/privacy.md §3).
    func logSize(_ d: PocdProcess) throws -> Int64 {
        Int64(try d.sql("SELECT count(*) FROM events")) ?? 0
    }

    @discardableResult
    func sqlite(_ d: PocdProcess, _ sql: String, json: Bool = false) throws -> String {
        try E2E.requireSQLite()
        let r = try Subprocess.run("sqlite3", (json ? ["-json"] : []) + [d.dataPath + "/events.sqlite"], input: Array(sql.utf8))
        XCTAssertEqual(r.status, 0, r.description)
        XCTAssertEqual(r.stderr, "", r.description)
        return r.stdout
    }

    func sqliteJSON(_ d: PocdProcess, _ sql: String) throws -> [JSONValue] {
        let out = try sqlite(d, sql, json: true)
        if out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        return try XCTUnwrap(try JSONParser.parse(out).arrayValue, out)
    }

    /// Runs `pocd --config` in the foreground and returns what it said on stderr as it
    /// refused to start; a daemon that starts instead fails the test (and is killed).
    func startRefused(_ d: PocdProcess) throws -> String {
        let r = try Subprocess.run(BuiltProducts.executable("pocd"), ["--config", d.configPath], timeout: 30)
        XCTAssertEqual(r.status, 1, "refuses to start: \(r.description)")
        let reasons = r.stderr.split(separator: "\n").filter { $0.hasPrefix("pocd: ") }
        XCTAssertFalse(reasons.isEmpty, r.stderr)
        return reasons.joined(separator: "\n")
    }
}

extension VerifierKey {
    /// The same public key as a witness's cosignature key (type 0x04), as bundles list it.
    func asWitness() throws -> VerifierKey {
        try VerifierKey(name: name, type: .cosignatureV1, publicKey: publicKey)
    }
}
