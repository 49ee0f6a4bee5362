import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// Messages in the reader's language (docs/translating.md): the daemon by `Accept-Language`
/// with `Content-Language`, `poc` by `--lang` or the locale; machine fields stay English.
final class LanguagesEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    override func setUpWithError() throws {
        daemon = try E2E.localDaemon()
    }

    override func tearDown() {
        daemon?.stop()
    }

    /// An invalid submit: its title and reasons in the language asked for, its type URI and
    /// field paths as they are; nothing stored.
    func testAnInvalidSubmitIsExplainedInTheLanguageAskedFor() throws {
        let folder = try TemporaryDirectory(prefix: "lang")
        var body = try JSONParser.parse(E2E.requestJSON()).objectValue!
        body["to"] = "UK"
        body["necessity"] = nil
        let bad = JSONValue.object(body).serializedString()
        let expected: [(header: String, language: String, title: String, required: String)] = [
            ("vi", "vi", Message("problem.validation-failed.title").render(.vi), Message("reason.required").render(.vi)),
            ("ar-EG;q=0.9, en;q=0.1", "ar", Message("problem.validation-failed.title").render(.ar), Message("reason.required").render(.ar)),
            ("zh-Hant-TW", "zh", Message("problem.validation-failed.title").render(.zh), Message("reason.required").render(.zh)),
            ("ru", "ru", Message("problem.validation-failed.title").render(.ru), Message("reason.required").render(.ru)),
            ("fr-CA", "fr", Message("problem.validation-failed.title").render(.fr), Message("reason.required").render(.fr)),
            ("es-419", "es", Message("problem.validation-failed.title").render(.es), Message("reason.required").render(.es)),
            ("de", "en", "Invalid input", "required"),
        ]
        for e in expected {
            let headers = folder.path("headers-\(e.language).txt")
            let r = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: bad,
                                    extra: ["-H", "Accept-Language: \(e.header)", "-D", headers])
            XCTAssertEqual(r.status, 422, r.body)
            let v = r.body.json
            XCTAssertEqual(v["title"]?.stringValue, e.title, e.header)
            XCTAssertEqual(v["type"], "urn:contactpoint:problem:validation-failed", "the type URI stays English")
            let errors = v["errors"]?.arrayValue ?? []
            XCTAssertEqual(errors.compactMap { $0["field"]?.stringValue }.sorted(), ["necessity", "to"], "field paths stay as they are")
            XCTAssertEqual(errors.first { $0["field"] == "necessity" }?["reason"]?.stringValue, e.required, e.header)
            let country = errors.first { $0["field"] == "to" }?["reason"]?.stringValue ?? ""
            XCTAssertTrue(country.contains("UK"), "the value is said back: \(country)")
            if e.language != "en" {
                XCTAssertNotEqual(country, Message("reason.country", ["value": .verbatim("UK")]).render(.en), e.header)
            }
            let head = try String(contentsOfFile: headers, encoding: .utf8).lowercased()
            XCTAssertTrue(head.contains("content-language: \(e.language)\r\n"), head)
        }
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/queue").body.json["count"], 0, "nothing was stored")
    }

    /// A refusal, in the language asked for: who may act, and a ground that was not reserved.
    func testRefusalsAreExplainedInTheLanguageAskedFor() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        let stranger = try daemon.curl("officer.us.carol", "POST", "/v1/requests/\(id)/acknowledge", json: "{}",
                                       extra: ["-H", "Accept-Language: ru"])
        XCTAssertEqual(stranger.status, 403, stranger.body)
        XCTAssertEqual(stranger.body.json["title"]?.stringValue, Message("problem.forbidden.title").render(.ru))
        XCTAssertEqual(stranger.body.json["detail"]?.stringValue,
                       Message("forbidden.neither-side", ["from": .verbatim("VN"), "to": .verbatim("DE")]).render(.ru))
        let ground = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse",
                                     json: #"{"ground":"dual-criminality","reason":"no offence here"}"#, extra: ["-H", "Accept-Language: es"])
        XCTAssertEqual(ground.status, 422, ground.body)
        XCTAssertEqual(ground.body.json["errors"]?[0]?["reason"]?.stringValue,
                       Message("reason.dual-criminality-not-reserved", ["code": .verbatim("DE")]).render(.es))
        let late = try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/release", json: #"{"reason":"x"}"#,
                                   extra: ["-H", "Accept-Language: zh"])
        XCTAssertEqual(late.status, 409, late.body)
        XCTAssertEqual(late.body.json["title"]?.stringValue, Message("problem.state-conflict.title").render(.zh))
        XCTAssertTrue(late.body.json["detail"]?.stringValue?.contains("release") ?? false, "machine words stay: \(late.body)")
        XCTAssertEqual(try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json["state"], "delivered", "nothing changed")
    }

    /// `poc --lang ru queue`: Russian headings, and durations with Russian plural forms.
    func testPocSpeaksTheReadersLanguage() throws {
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(priority: "routine")).status, 201)
        let ru = try daemon.poc("officer.de.bob", ["--lang", "ru", "queue"])
        XCTAssertEqual(ru.status, 0, ru.description)
        let header = String(ru.stdout.split(separator: "\n").first ?? "")
        for key in ["reference", "counterpart", "time-left", "next-deadline"] {
            XCTAssertTrue(header.contains(Message("poc.queue.\(key)").render(.ru)), "\(key) in \(header)")
        }
        // The routine acknowledgement is due in 23 h 59 min: Russian "23 часа 59 минут", never "23 часов".
        let row = String(ru.stdout.split(separator: "\n").dropFirst().first ?? "")
        let left = Message("duration.hours", count: 23).render(.ru)
        XCTAssertTrue(row.contains(left) || row.contains(Message("duration.hours", count: 24).render(.ru)), row)
        XCTAssertTrue(row.contains(Message("duration.minutes", count: 59).render(.ru)) || row.contains(Message("duration.minutes", count: 58).render(.ru))
                      || row.contains(Message("duration.hours", count: 24).render(.ru)), row)
        XCTAssertEqual(Message("duration.hours", count: 23).render(.ru), "23 часа")
        XCTAssertEqual(Message("duration.minutes", count: 59).render(.ru), "59 минут")
        // The locale, when --lang is not given; and a problem from the daemon in it.
        let vi = try daemon.poc("officer.vn.alice", ["submit", "--to", "DE", "--reference", "R"], environment: ["LANG": "vi_VN.UTF-8"])
        XCTAssertEqual(vi.status, 1)
        XCTAssertTrue(vi.stderr.contains(Message("problem.validation-failed.title").render(.vi)), vi.stderr)
        XCTAssertTrue(vi.stderr.contains("authority: " + Message("reason.required").render(.vi)), vi.stderr)
        let unknown = try daemon.poc("officer.vn.alice", ["--lang", "klingon", "queue"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("--lang klingon: not a language of this catalogue"), unknown.stderr)
    }

    /// `poc --help` from the catalogue (by --lang or the locale; argument-parser's own headings
    /// stay English), and poc's own errors in the reader's language.
    func testPocsHelpAndItsOwnErrorsSpeakTheReadersLanguage() throws {
        func flat(_ s: String) -> String { s.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
        let ru = try daemon.poc("officer.vn.alice", ["--lang", "ru", "submit", "--help"])
        XCTAssertEqual(ru.status, 0, ru.description)
        for key in ["help.submit.abstract", "help.submit.to", "help.common.lang", "help.submit.discussion"] {
            XCTAssertTrue(flat(ru.stdout).contains(flat(Message(key).render(.ru))), "\(key): \(ru.stdout)")
        }
        XCTAssertTrue(ru.stdout.contains(Message("help.examples", count: 3).render(.ru)), ru.stdout)
        XCTAssertTrue(ru.stdout.contains("poc submit --from-disclosure 2f1c7e3a"), "commands stay as typed")
        XCTAssertTrue(ru.stdout.contains("USAGE:"), "argument-parser's headings stay English")
        let fr = try daemon.poc("officer.vn.alice", ["--help"], environment: ["LANG": "fr_FR.UTF-8"])
        XCTAssertTrue(flat(fr.stdout).contains(flat(Message("help.poc.abstract").render(.fr))), fr.stdout)
        XCTAssertTrue(flat(fr.stdout).contains(flat(Message("help.queue.abstract").render(.fr))), fr.stdout)
        let en = try daemon.poc("officer.vn.alice", ["queue", "--help"])
        XCTAssertTrue(flat(en.stdout).contains("List open requests by next deadline"), en.stdout)
        // poc's own errors: a certificate it cannot read, a request id it cannot take.
        let vi = try daemon.poc("officer.vn.alice", ["--lang", "vi", "queue"], environment: ["POC_CERT": "/nonexistent/cert.pem"])
        XCTAssertEqual(vi.status, 2, vi.description)
        let said = Message("poc.error.unreadable-certificate", ["path": .verbatim("/nonexistent/cert.pem")]).render(.vi)
        XCTAssertEqual(vi.stderr, Message("poc.error", ["message": .verbatim(said)]).render(.vi) + "\n")
        let ar = try daemon.poc("officer.vn.alice", ["acknowledge", "zz-not-an-id"], environment: ["LC_ALL": "ar_EG.UTF-8"])
        XCTAssertEqual(ar.status, 2, ar.description)
        XCTAssertTrue(ar.stderr.contains(Message("poc.error.not-an-id", ["text": .verbatim("zz-not-an-id")]).render(.ar)), ar.stderr)
        let zh = try daemon.poc("officer.vn.alice", ["--lang", "zh", "extend", "2f1c7e3a"])
        XCTAssertNotEqual(zh.status, 0)
        XCTAssertTrue(zh.stderr.contains(Message("poc.error.days-or-until").render(.zh)), zh.stderr)
    }

    /// A body that is not JSON: its byte and reason in the language asked for.
    func testMalformedJSONIsExplainedInTheLanguageAskedFor() throws {
        let folder = try TemporaryDirectory(prefix: "lang")
        var parsed: JSONParser.Error?
        do { _ = try JSONParser.parse(#"{"a" 1}"#) } catch { parsed = error }
        let error = try XCTUnwrap(parsed)
        for language in [Language.es, .ar, .en] {
            let headers = folder.path("h-\(language.rawValue).txt")
            let r = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: #"{"a" 1}"#,
                                    extra: ["-H", "Accept-Language: \(language.rawValue)", "-D", headers])
            XCTAssertEqual(r.status, 400, r.body)
            XCTAssertEqual(r.body.json["detail"]?.stringValue, error.positioned.render(language))
            XCTAssertEqual(r.body.json["title"]?.stringValue, Message("problem.malformed-json.title").render(language))
            XCTAssertTrue(try String(contentsOfFile: headers, encoding: .utf8).lowercased().contains("content-language: \(language.rawValue)\r\n"))
        }
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: #"{"a" 1}"#).body.json["detail"],
                       "invalid JSON at byte 5: expected ':'")
    }

    /// Times in alert summaries in the reader's zone (`?tz=`), named; UTC without it; a zone
    /// that does not exist is refused naming `tz`. The machine members stay RFC 3339 UTC.
    func testAlertTimesAreWrittenInTheReadersZone() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        XCTAssertEqual(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/preserve", json: #"{"provider_reference":"EM-1"}"#).status, 200)
        func preserved(_ query: String, _ language: String) throws -> JSONValue? {
            let list = try daemon.curl("officer.vn.alice", "GET", "/v1/alerts" + query, extra: ["-H", "Accept-Language: \(language)"]).body.json
            return list["alerts"]?.arrayValue?.first { $0["event"] == "preserved" && $0["request_id"]?.stringValue == id }
        }
        try E2E.eventually(20, "VN's officer is told of the preservation") { try preserved("", "en") != nil }
        let until = try XCTUnwrap(Instant(rfc3339: try daemon.curl("officer.vn.alice", "GET", "/v1/requests/\(id)").body.json["expires_at"]?.stringValue ?? ""))
        let hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let utc = try XCTUnwrap(preserved("", "en")?["summary"]?.stringValue)
        XCTAssertTrue(utc.contains(Message.format(until, .en, TimeZone(identifier: "UTC")!)), utc)
        for language in [Language.en, .ru, .vi] {
            let local = try XCTUnwrap(preserved("?tz=Asia/Ho_Chi_Minh", language.rawValue))
            let summary = local["summary"]?.stringValue ?? ""
            XCTAssertTrue(summary.contains(Message.format(until, language, hanoi)), "\(language.rawValue): \(summary)")
            XCTAssertTrue(summary.contains("GMT+7"), summary)
            XCTAssertEqual(local["at"]?.stringValue?.hasSuffix("Z"), true, "machine members stay UTC")
        }
        let bad = try daemon.curl("officer.vn.alice", "GET", "/v1/alerts?tz=Mars/Olympus", extra: ["-H", "Accept-Language: fr"])
        XCTAssertEqual(bad.status, 422, bad.body)
        XCTAssertEqual(bad.body.json["errors"]?[0]?["field"], "tz")
        XCTAssertEqual(bad.body.json["errors"]?[0]?["reason"]?.stringValue, Message("reason.query.tz").render(.fr))
    }

    /// Alerts in the reader's language: the list and the stream by `Accept-Language`; codes,
    /// states and the machine members as they are.
    func testAlertsAreSummarisedInTheLanguageAskedFor() throws {
        let id = UUID().uuidString.lowercased()
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: E2E.requestJSON(id: id)).status, 201)
        XCTAssertEqual(try daemon.curl("officer.de.bob", "POST", "/v1/requests/\(id)/refuse",
                                       json: #"{"ground":"essential-interests","reason":"state security"}"#).status, 200)
        func refused(_ language: String) throws -> JSONValue? {
            let list = try daemon.curl("officer.vn.alice", "GET", "/v1/alerts", extra: ["-H", "Accept-Language: \(language)"]).body.json
            return list["alerts"]?.arrayValue?.first { $0["event"] == "refused" && $0["request_id"]?.stringValue == id }
        }
        try E2E.eventually(20, "VN's officer is told of the refusal") { try refused("en") != nil }
        for language in [Language.ru, .ar, .zh, .vi, .fr, .es] {
            let alert = try XCTUnwrap(refused(language.rawValue))
            let expected = Message("alert.cp.refused", ["actor": .verbatim("DE"), "ground": .verbatim("essential-interests")]).render(language)
            XCTAssertTrue(alert["summary"]?.stringValue?.contains(expected) ?? false, "\(language.rawValue): \(alert)")
            let whom = Message("alert.recipient", ["role": Message("role.officer"), "code": .verbatim("VN")]).render(language)
            XCTAssertTrue(alert["summary"]?.stringValue?.contains(whom) ?? false, "\(alert)")
            XCTAssertEqual(alert["kind"], "counterpart", "machine members stay as they are")
            XCTAssertEqual(alert["event"], "refused")
        }
        XCTAssertTrue(try refused("en")?["summary"]?.stringValue?.contains("DE refused the request (ground: essential-interests)") ?? false)
    }

    /// `poc show` names the language a request was written in, in the reader's language, and
    /// prints text in any script as it was sent.
    func testTheRequestsOwnLanguageIsNamedAndItsTextKept() throws {
        let id = UUID().uuidString.lowercased()
        var body = try JSONParser.parse(E2E.requestJSON(id: id)).objectValue!
        body["language"] = "vi"
        var offence = body["offence"]!.objectValue!
        offence["summary"] = "Nạn nhân đã chuyển tiền mua hàng nhưng không nhận được hàng; 受害人; الضحايا; Жертвы"
        body["offence"] = .object(offence)
        XCTAssertEqual(try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: JSONValue.object(body).serializedString()).status, 201)
        let en = try daemon.poc("officer.de.bob", ["show", id])
        XCTAssertTrue(en.stdout.contains("request (written in Vietnamese (vi)):"), en.stdout)
        XCTAssertTrue(en.stdout.contains("Nạn nhân đã chuyển tiền mua hàng nhưng không nhận được hàng; 受害人; الضحايا; Жертвы"), en.stdout)
        let fr = try daemon.poc("officer.de.bob", ["--lang", "fr", "show", id])
        XCTAssertTrue(fr.stdout.contains("vietnamien (vi)"), fr.stdout)
        let stored = try daemon.curl("officer.de.bob", "GET", "/v1/requests/\(id)").body.json
        XCTAssertEqual(stored["request"]?["offence"]?["summary"]?.stringValue.map { Array($0.utf8) },
                       Array("Nạn nhân đã chuyển tiền mua hàng nhưng không nhận được hàng; 受害人; الضحايا; Жертвы".utf8))
    }
}
