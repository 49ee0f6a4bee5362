import ContactPointModel
import ContactPointStore
import Foundation
import HTTP1
import TestSupport
import XCTest

/// Overdue alerts reach the pagers people already use: a real Alertmanager 0.25 (Debian's
/// prometheus-alertmanager) over mutual TLS, and a signed webhook, both through the outbox.
final class AlertReceiverEndToEndTests: XCTestCase {
    var alertmanager: ChildProcess?
    var folder: TemporaryDirectory!
    var daemon: PocdProcess?
    var webhook: HTTPServer?

    override func tearDown() {
        daemon?.stop()
        if let p = alertmanager, p.send(SIGTERM) { p.waitUntilExit() }
        webhook?.stopAccepting()
    }

    func startAlertmanager(port: Int) throws {
        let pki = try E2E.pki()
        try "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n".write(toFile: folder.path("am.yml"), atomically: true, encoding: .utf8)
        try """
            tls_server_config:
              cert_file: \(pki.certificate("alertmanager.test"))
              key_file: \(pki.privateKey("alertmanager.test"))
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: \(pki.caCert)
            """.write(toFile: folder.path("web.yml"), atomically: true, encoding: .utf8)
        alertmanager = try ChildProcess.spawn(
            try Subprocess.which("prometheus-alertmanager"),
            ["--config.file=\(folder.path("am.yml"))", "--web.config.file=\(folder.path("web.yml"))",
             "--storage.path=\(folder.path("am-data"))", "--web.listen-address=127.0.0.1:\(port)",
             "--cluster.listen-address="],
            standardOutput: .nullDevice, standardError: .file(folder.path("am.log")))
        try E2E.eventually(30, "alertmanager answers") { try amAlerts(port: port) != nil }
    }

    /// Alertmanager's active alerts, read with curl over mutual TLS.
    func amAlerts(port: Int) throws -> [JSONValue]? {
        let pki = try E2E.pki()
        let out = try Subprocess.run("curl", ["-s", "--cacert", pki.caCert, "--cert", pki.certificate("supervisor.vn.minh"),
                                              "--key", pki.privateKey("supervisor.vn.minh"), "https://127.0.0.1:\(port)/api/v2/alerts?active=true"])
        guard out.status == 0 else { return nil }
        return (try? JSONParser.parse(out.stdout))?.arrayValue
    }

    func testEscalationsAndTheirResolutionReachAlertmanagerAndASignedWebhook() throws {
        folder = try TemporaryDirectory(prefix: "receivers")
        let pki = try E2E.pki()
        let amPort = FreePort.next()
        try startAlertmanager(port: amPort)

        let received = Received()
        let hook = try HTTPServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS("webhook.test")) { request, responder in
            received.add(request)
            responder.respond(HTTPResponse(status: 204))
        }
        try hook.start()
        webhook = hook
        try "s3cret-key\n".write(toFile: folder.path("hook.secret"), atomically: true, encoding: .utf8)

        let d = try E2E.localDaemon(extra: """
            alerts:
              alertmanagers:
                - {name: am, url: "https://127.0.0.1:\(amPort)"}
              webhooks:
                - {name: pager, url: "https://127.0.0.1:\(hook.port)/hooks/contactpoint", hmac_secret_file: \(folder.path("hook.secret"))}
            """)
        daemon = d
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try d.curl("officer.vn.alice", "POST", "/v1/requests",
                                  json: E2E.requestJSON(id: id, priority: "emergency")).status, 201)  // preserved below

        try E2E.eventually(30, "Alertmanager holds the level 1 alert") {
            try (amAlerts(port: amPort) ?? []).contains { $0["labels"]?["request_id"]?.stringValue == id && $0["labels"]?["level"] == "1" }
        }
        let alert = try XCTUnwrap(try amAlerts(port: amPort)?.first { $0["labels"]?["request_id"]?.stringValue == id && $0["labels"]?["level"] == "1" })
        XCTAssertEqual(alert["labels"]?["contact_point"], "DE")
        XCTAssertEqual(alert["labels"]?["priority"], "emergency")
        XCTAssertEqual(alert["labels"]?["deadline"], "acknowledge")
        XCTAssertEqual(alert["labels"]?["alertname"], "ContactPointDeadlineOverdue")
        XCTAssertTrue(alert["annotations"]?["summary"]?.stringValue?.contains("acknowledge by DE was due") ?? false, "\(alert)")

        E2E.eventually(30, "the webhook got a signed alert") { received.bodies.contains { $0["status"] == "firing" && $0["request_id"]?.stringValue == id } }
        for (headers, body) in received.requests {
            let expected = "sha256=" + SHA256.hmacHex(key: Array("s3cret-key".utf8), message: body)
            XCTAssertEqual(headers["X-ContactPoint-Signature"], expected, "the signature covers the body")
        }
        XCTAssertEqual(received.paths.first, "/hooks/contactpoint")

        // Handling the case resolves it everywhere.
        XCTAssertEqual(try d.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge", json: "{}").status, 200)
        // Alertmanager is a Go program: it reads the real clock even under libfaketime, so in
        // a run on a faked date our resolution's endsAt lies 45 days in its future and it
        // rightly keeps the alert active. The webhook's resolution below is checked either way.
        if !E2E.underLibfaketime {
            try E2E.eventually(30, "Alertmanager shows it resolved") {
                try !(amAlerts(port: amPort) ?? [JSONValue.null]).contains { $0["labels"]?["request_id"]?.stringValue == id && $0["labels"]?["deadline"] == "acknowledge" }
            }
        }
        E2E.eventually(30, "the webhook got the resolution") { received.bodies.contains { $0["status"] == "resolved" && $0["request_id"]?.stringValue == id } }

        // Later events of the request resolve nothing again: one resolution per escalation.
        for (who, action, body) in [("officer.de.bob", "preserve", #"{"provider_reference":"EM-1"}"#),
                                    ("officer.vn.alice", "extend", #"{"days":30}"#),
                                    ("officer.vn.alice", "link-mla", #"{"mla_reference":"MLA-1","sent_at":"2026-01-01T00:00:00Z"}"#),
                                    ("officer.de.bob", "release", #"{"reason":"MLA decided"}"#)] {
            let r = try d.curl(who, "POST", "/v1/requests/\(id)/\(action)", json: body)
            XCTAssertEqual(r.status, 200, "\(action): \(r.body)")
        }
        try E2E.eventually(30, "every alert message delivered") {
            try d.curl("officer.vn.alice", "GET", "/healthz").body.json["outbox_depth"] == 0
        }
        // The other side's actions reach the side they concern: DE's preservation is news for VN.
        let preserved = try XCTUnwrap(received.bodies.first { $0["event"] == "preserved" && $0["request_id"]?.stringValue == id },
                                      "\(received.bodies.map { $0["reason"] ?? .null })")
        XCTAssertEqual(preserved["kind"], "counterpart")
        XCTAssertEqual(preserved["contact_point"], "VN")
        XCTAssertEqual(received.bodies.filter { $0["kind"] == "counterpart" && $0["request_id"]?.stringValue == id }
            .compactMap { $0["event"]?.stringValue }.sorted(), ["extended", "mla-linked", "preserved", "released"])
        try E2E.eventually(30, "Alertmanager holds the counterpart alert") {
            try (amAlerts(port: amPort) ?? []).contains {
                $0["labels"]?["alertname"] == "ContactPointCounterpartAction" && $0["labels"]?["event"] == "preserved"
                    && $0["labels"]?["request_id"]?.stringValue == id && $0["labels"]?["contact_point"] == "VN"
            }
        }
        let history = try d.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json["history"]?.arrayValue ?? []
        let escalated = history.filter { $0["type"] == "escalated" }.map {
            "\($0["details"]?["deadline"]?.stringValue ?? ""):\($0["details"]?["level"]?.intValue ?? 0)"
        }
        XCTAssertFalse(escalated.isEmpty)
        // A deadline escalated to level N has N alerts at the receiver, so N resolutions.
        var expected: [String] = []
        for e in Set(escalated) {
            let parts = e.split(separator: ":")
            guard parts.count == 2, let top = Int(parts[1]), top >= 1 else { XCTFail("escalated without a deadline or level: \(e)"); continue }
            for level in 1...top { expected.append("\(parts[0]):\(level)") }
        }
        let resolutions = received.bodies.filter { $0["status"] == "resolved" && $0["request_id"]?.stringValue == id }
            .map { "\($0["deadline"]?.stringValue ?? ""):\($0["level"]?.intValue ?? 0)" }
        XCTAssertEqual(resolutions.sorted(), Set(expected).sorted(), "exactly one resolution per escalated level, whatever came after")
        let ids = received.requests.compactMap { $0.0["X-ContactPoint-Event-ID"] }
        XCTAssertEqual(Set(ids).count, ids.count, "no message sent twice")
        let metrics = try d.curl("supervisor.vn.minh", "GET", "/metrics").body
        XCTAssertTrue(metrics.contains(#"contactpoint_alert_deliveries_total{outcome="delivered",receiver="am"}"#), metrics)
    }
}

final class Received: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var items: [(HTTPHeaders, [UInt8], String)] = []
    func add(_ r: HTTPRequest) { lock.lock(); items.append((r.headers, r.body, r.path)); lock.unlock() }
    var requests: [(HTTPHeaders, [UInt8])] { lock.lock(); defer { lock.unlock() }; return items.map { ($0.0, $0.1) } }
    var bodies: [JSONValue] { requests.map { (try? JSONParser.parse($0.1)) ?? .null } }
    var paths: [String] { lock.lock(); defer { lock.unlock() }; return items.map(\.2) }
}
