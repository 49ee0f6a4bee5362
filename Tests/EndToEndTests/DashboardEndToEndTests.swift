import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// The dashboard (docs/dashboard.md): served by pocd over the same mutual TLS, safe in a
/// browser that presents a certificate to every site, and driven in a real headless Chromium.
final class DashboardEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    /// Hours, not seconds: nothing falls due unless the test moves the daemon's clock.
    static let hoursPolicy = """
        priorities:
          emergency:
            deliver_within: 5m
            acknowledge_within: 1h
            preserve_within: 8h
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
              - {after: 1h, level: 2, notify: [supervisor, partner]}
              - {after: 2h, level: 3, notify: [supervisor]}
          urgent:
            deliver_within: 15m
            acknowledge_within: 4h
            preserve_within: 24h
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
              - {after: 4h, level: 2, notify: [supervisor, partner]}
          routine:
            deliver_within: 1h
            acknowledge_within: 24h
            preserve_within: 72h
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
        """

    override func setUpWithError() throws {
        daemon = try PocdProcess(name: "dashboard", pki: E2E.pki(), serverIdentity: "pocd.vn", contactPoints: ["VN", "DE"],
                                 directory: E2E.localDirectory, policy: Self.hoursPolicy)
        daemon.usesTestClock = true
        try daemon.start()
    }

    override func tearDown() { daemon?.stop() }

    func curlHeaders(_ identity: String, _ path: String, _ extra: [String] = []) throws -> (status: Int, headers: String, body: String) {
        let out = try Subprocess.run("curl", ["-s", "-D", "-", "--cacert", daemon.pki.caCert,
                                              "--cert", daemon.pki.certificate(identity), "--key", daemon.pki.privateKey(identity)]
                                             + extra + [daemon.url + path])
        let parts = out.stdout.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, head, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    func testThePageIsServedWithAStrictPolicyToPeopleInTheDirectoryOnly() throws {
        let page = try curlHeaders("officer.vn.alice", "/")
        XCTAssertEqual(page.status, 200, page.headers)
        XCTAssertTrue(page.headers.lowercased().contains("content-type: text/html; charset=utf-8"), page.headers)
        XCTAssertTrue(page.headers.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"), page.headers)
        XCTAssertTrue(page.headers.contains("frame-ancestors 'none'"), page.headers)
        XCTAssertTrue(page.headers.contains("X-Content-Type-Options: nosniff"), page.headers)
        XCTAssertTrue(page.headers.contains("Cache-Control: no-store"), page.headers)
        XCTAssertTrue(page.body.contains("<script src=\"/assets/app.js\" defer></script>"), page.body)
        XCTAssertFalse(page.body.contains("<script>"), "no inline script")
        XCTAssertFalse(page.body.contains("http://") || page.body.contains("https://"), "nothing from another origin")
        for path in ["/wall", "/alerts", "/compliance", "/submit", "/requests/2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"] {
            XCTAssertEqual(try curlHeaders("officer.vn.alice", path).body, page.body, path)
        }
        let script = try curlHeaders("officer.vn.alice", "/assets/app.js")
        XCTAssertEqual(script.status, 200)
        XCTAssertTrue(script.headers.contains("text/javascript"), script.headers)
        XCTAssertFalse(script.body.contains("innerHTML"), "text from requests is set as text")
        XCTAssertEqual(try curlHeaders("officer.vn.alice", "/assets/nothing.js").status, 404)
        // The same rule as the API: a certificate not in the directory gets nothing.
        let stranger = try curlHeaders("stranger.xx", "/")
        XCTAssertEqual(stranger.status, 403, stranger.body)
        // Request content is never cached.
        let json = try curlHeaders("officer.vn.alice", "/v1/queue")
        XCTAssertTrue(json.headers.contains("Cache-Control: no-store"), json.headers)
        // What the page knows of its user.
        let session = try daemon.curl("officer.de.bob", "GET", "/v1/session").body.json
        XCTAssertEqual(session["identity"], "officer.de.bob")
        XCTAssertEqual(session["contact_points"], ["DE"])
        XCTAssertEqual(session["actions"]?.arrayValue?.first { $0["name"] == "acknowledge" }?["side"], "requested")
    }

    func testACrossSitePostIsRefusedAndChangesNothing() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let cases: [(String, [String])] = [
            ("another origin", ["-H", "Origin: https://evil.example"]),
            ("a null origin", ["-H", "Origin: null"]),
            ("fetch metadata", ["-H", "Sec-Fetch-Site: cross-site", "-H", "X-ContactPoint-Request: dashboard"]),
            ("same-site is not same-origin", ["-H", "Sec-Fetch-Site: same-site", "-H", "X-ContactPoint-Request: dashboard"]),
            ("a browser without the page's header", ["-H", "Origin: \(daemon.url)", "-H", "Sec-Fetch-Site: same-origin"]),
            ("a referer and no header", ["-H", "Referer: https://evil.example/"]),
        ]
        for (what, headers) in cases {
            let r = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge",
                                    extra: ["-H", "Content-Type: text/plain"] + headers)
            XCTAssertEqual(r.status, 403, "\(what): \(r.body)")
            XCTAssertEqual(r.body.json["type"], "urn:contactpoint:problem:cross-site-request", what)
            XCTAssertFalse(r.body.json["errors"]?[0]?["field"]?.stringValue?.isEmpty ?? true, what)
        }
        // A cross-site read (an <img> or <script> pointing at the API) is refused too.
        let read = try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(id)", extra: ["-H", "Sec-Fetch-Site: cross-site"])
        XCTAssertEqual(read.status, 403, read.body)
        // Nothing changed.
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["state"], "delivered")
        // The page's own request passes; a following a link to the page from elsewhere opens it.
        let own = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/acknowledge",
                                  extra: ["-H", "Origin: \(daemon.url)", "-H", "Sec-Fetch-Site: same-origin", "-H", "X-ContactPoint-Request: dashboard"])
        XCTAssertEqual(own.status, 200, own.body)
        let link = try daemon.curl("officer.de.bob", "GET", "/requests/\(id)",
                                   extra: ["-H", "Sec-Fetch-Site: cross-site", "-H", "Sec-Fetch-Mode: navigate"])
        XCTAssertEqual(link.status, 200)
        // Clients that are not browsers are untouched (poc, curl and partner daemons send none of these headers).
        XCTAssertEqual(try daemon.poc("officer.de.bob", ["show", id]).status, 0)
    }

    func testTheDashboardInARealBrowser() throws {
        let chromium = ProcessInfo.processInfo.environment["CP_CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium),
              (try? Subprocess.run("python3", ["-c", "import playwright"]))?.status == 0 else {
            return XCTFail("the browser tests need Debian's chromium and PyPI's playwright: run Scripts/install-deps.sh")
        }
        var environment = E2E.withoutLibfaketime(ProcessInfo.processInfo.environment)
        environment["CP_URL"] = daemon.url
        environment["CP_PKI"] = (daemon.pki.caCert as NSString).deletingLastPathComponent
        environment["CP_CLOCK_FILE"] = daemon.clockPath
        environment["CP_PID"] = "\(daemon.pid ?? 0)"
        let out = try Subprocess.run("python3", [ProjectRoot.path("Scripts/testing/test_dashboard.py")],
                                     environment: environment, timeout: 600)
        XCTAssertEqual(out.status, 0, "the browser tests failed:\n\(out.stderr)\n\(out.stdout)")
        XCTAssertTrue(out.stderr.contains("OK"), out.stderr)
        XCTAssertTrue(out.stderr.contains("test_the_page_speaks_the_browsers_language_and_arabic_reads_right_to_left) ... ok"), out.stderr)
    }
}
