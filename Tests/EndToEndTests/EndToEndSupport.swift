import ContactPointClient
import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// The identities of every end-to-end test, made once per test process.
enum E2E {
    static let servers = ["pocd.vn", "pocd.de", "pocd.us", "alertmanager.test", "webhook.test"]
    static let clients = ["officer.vn.alice", "supervisor.vn.minh", "officer.de.bob", "supervisor.de.eva",
                          "officer.us.carol", "stranger.xx"]

    static func pki() throws -> TestPKI { try TestPKI.shared(servers: servers, clients: clients) }

    /// One daemon serving VN and DE (both local), with US as a partner it never reaches.
    static let localDirectory = """
        contact_points:
          VN:
            name: "Viet Nam"
            daemon: local
            principals:
              - {identity: officer.vn.alice, role: officer}
              - {identity: supervisor.vn.minh, role: supervisor}
          DE:
            name: "Germany"
            daemon: local
            principals:
              - {identity: officer.de.bob, role: officer}
              - {identity: supervisor.de.eva, role: supervisor}
          US:
            name: "United States"
            daemon: {url: "https://127.0.0.1:1", identity: pocd.us}
            principals:
              - {identity: officer.us.carol, role: officer}
              - {identity: pocd.us, role: daemon}
        """

    /// A daemon serving VN and DE.
    static func localDaemon(policy: String = PocdProcess.secondsPolicy, extra: String = "") throws -> PocdProcess {
        let d = try PocdProcess(name: "vn-de", pki: pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                directory: localDirectory, policy: policy, extraConfig: extra)
        try d.start()
        return d
    }

    /// A valid request VN→DE as JSON, with a fresh id unless one is given.
    static func requestJSON(id: String = UUID().uuidString.lowercased(), from: String = "VN", to: String = "DE",
                            priority: String = "urgent", kind: String = "preservation", reference: String = "VN-A05-2026-0113",
                            articles: [String] = ["UN-13", "BUD-8"]) -> String {
        let codes = articles.map { "\"\($0)\"" }.joined(separator: ",")
        let emergency = kind == "emergency-disclosure"
            ? #","emergency":{"facts":"a threat to kill a named person was posted an hour ago","data_relevance":"the poster's account data identify the author"}"#
            : ""
        return """
            {"id":"\(id)","reference":"\(reference)","from":"\(from)","to":"\(to)","kind":"\(kind)","priority":"\(priority)","language":"en",\
            "authority":{"name":"Department of Cybersecurity and High-Tech Crime Prevention","contact":"duty@example.vn"},\
            "offence":{"description":"Computer fraud","legal_provision":"Art. 290 Criminal Code","summary":"Victims paid for goods never delivered.","convention_articles":[\(codes)]},\
            "data":[{"description":"Subscriber and traffic data of account","relation_to_offence":"account received the proceeds",\
            "identifiers":[{"type":"email","value":"x@example.org"}],"period":{"from":"2026-10-01T00:00:00+07:00","to":"2026-11-01T00:00:00Z"}}],\
            "custodian":{"name":"Example Mail GmbH","location":"DE"},"necessity":"data is deleted after 30 days","mla_intended":true\(emergency)}
            """
    }

    /// The in-process client for an identity.
    static func client(_ daemon: PocdProcess, _ identity: String) throws -> ContactPointClient {
        let pki = try pki()
        return try ContactPointClient(ClientSettings(server: daemon.url, certificate: pki.certificate(identity),
                                                     privateKey: pki.privateKey(identity), ca: pki.caCert))
    }

    /// Whether this test process runs under libfaketime (`Scripts/test.sh` runs the whole
    /// suite a second time under `faketime '+45 days'`).
    static var underLibfaketime: Bool {
        ProcessInfo.processInfo.environment["LD_PRELOAD"]?.contains("faketime") ?? false
    }

    /// `environment` without libfaketime, for a child whose monotonic Dispatch timers must
    /// fire on time: libfaketime 0.9.10 turns absolute CLOCK_MONOTONIC timer settings into
    /// wall-clock times decades ahead (wolfcw/libfaketime#378), so they never fire. Only for
    /// programs that decide nothing by the date.
    static func withoutLibfaketime(_ environment: [String: String]) -> [String: String] {
        var e = environment
        if let preload = e["LD_PRELOAD"] {
            let kept = preload.split(whereSeparator: { $0 == ":" || $0 == " " }).filter { !$0.contains("faketime") }
            e["LD_PRELOAD"] = kept.joined(separator: ":")
        }
        for key in ["FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "FAKETIME_NO_CACHE"] { e[key] = nil }
        return e
    }

    /// Whether this run's daemons keep their log on PostgreSQL (`CONTACTPOINT_TEST_STORE=postgresql`).
    static var onPostgreSQL: Bool { PostgresCluster.suiteBackend == "postgresql" }

    /// Skips a test that reads or edits the SQLite file itself, when the suite runs on
    /// PostgreSQL (the store tests hold PostgreSQL's own insider checks).
    static func requireSQLite(_ why: String = "it reads or edits the SQLite file itself") throws {
        if onPostgreSQL { throw XCTSkip("SQLite only: \(why)") }
    }

    /// Polls `condition` until it holds or `timeout` passes (no timing assertion: a generous bound).
    static func eventually(_ timeout: TimeInterval = 30, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                           _ condition: () throws -> Bool) rethrows {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("not within \(timeout)s: \(what)", file: file, line: line)
    }
}

extension String {
    var json: JSONValue { (try? JSONParser.parse(self)) ?? .null }
}

/// Collects alerts from a `watch` on another queue.
final class AlertCollector: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var items: [JSONValue] = []
    private var states: [String] = []
    func add(_ a: JSONValue) { lock.lock(); items.append(a); lock.unlock() }
    func state(_ s: String) { lock.lock(); states.append(s); lock.unlock() }
    var alerts: [JSONValue] { lock.lock(); defer { lock.unlock() }; return items }
    var log: [String] { lock.lock(); defer { lock.unlock() }; return states }
}
