import XCTest
@testable import ContactPointModel

/// The message catalogue (docs/translating.md): complete in every language, placeholders
/// kept, every CLDR plural form present; plural rules and language negotiation.
final class CatalogueTests: XCTestCase {
    /// Every key of the English catalogue is in every language, and no language has a key
    /// English lacks (a typo would never be shown).
    func testEveryKeyIsInEveryLanguage() {
        let keys = Set(Catalogue.en.keys)
        XCTAssertGreaterThan(keys.count, 100)
        for language in Language.allCases {
            let table = Catalogue.tables[language] ?? [:]
            let missing = keys.subtracting(table.keys).sorted()
            let extra = Set(table.keys).subtracting(keys).sorted()
            XCTAssertEqual(missing, [], "\(language.rawValue) lacks these keys")
            XCTAssertEqual(extra, [], "\(language.rawValue) has keys English does not")
        }
    }

    /// A translation uses exactly the placeholders of the English text, each form of a plural
    /// all of them; plain texts stay plain and plurals stay plurals.
    func testPlaceholdersAreKeptAndNoneAdded() {
        for language in Language.allCases {
            for (key, english) in Catalogue.en {
                guard let text = Catalogue.tables[language]?[key] else { continue }
                XCTAssertEqual(text.placeholders, english.placeholders, "\(language.rawValue) \(key)")
                switch (english, text) {
                case (.text, .text), (.plural, .plural): break
                default: XCTFail("\(language.rawValue) \(key): plain in one language and plural in the other")
                }
                if case .plural(let forms) = text {
                    for (category, form) in forms {
                        let inForm = CatalogueText.text(form).placeholders
                        XCTAssertEqual(inForm, english.placeholders, "\(language.rawValue) \(key) [\(category.rawValue)] must use every placeholder")
                    }
                }
                for form in text.texts {
                    XCTAssertFalse(form.isEmpty, "\(language.rawValue) \(key) is empty")
                    XCTAssertEqual(form.filter { $0 == "{" }.count, form.filter { $0 == "}" }.count, "\(language.rawValue) \(key): unbalanced braces")
                }
            }
        }
    }

    /// A plural entry has exactly the CLDR categories of its language.
    func testEveryPluralHasTheCLDRFormsOfItsLanguage() {
        for language in Language.allCases {
            for (key, text) in Catalogue.tables[language] ?? [:] {
                guard case .plural(let forms) = text else { continue }
                XCTAssertEqual(Set(forms.keys), Set(language.pluralCategories), "\(language.rawValue) \(key)")
            }
        }
    }

    /// The CLDR cardinal rules, at the numbers where the languages differ.
    func testPluralRulesFollowCLDR() {
        func cats(_ l: Language, _ ns: [Int]) -> [String] { ns.map { l.pluralCategory($0).rawValue } }
        XCTAssertEqual(cats(.en, [0, 1, 2, 21]), ["other", "one", "other", "other"])
        XCTAssertEqual(cats(.fr, [0, 1, 2, 1_000_000, 2_000_000, 1_000_001]), ["one", "one", "other", "many", "many", "other"])
        XCTAssertEqual(cats(.es, [0, 1, 2, 1_000_000]), ["other", "one", "other", "many"])
        XCTAssertEqual(cats(.ru, [1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 0]),
                       ["one", "few", "few", "many", "many", "many", "many", "one", "few", "many", "one", "many", "many"])
        XCTAssertEqual(cats(.ar, [0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111]),
                       ["zero", "one", "two", "few", "few", "many", "many", "other", "other", "few", "many"])
        XCTAssertEqual(cats(.zh, [0, 1, 2]), ["other", "other", "other"])
        XCTAssertEqual(cats(.vi, [1, 5]), ["other", "other"])
    }

    func testPluralsAndPlaceholdersRender() {
        XCTAssertEqual(Message("duration.days", count: 1).render(.en), "1 day")
        XCTAssertEqual(Message("duration.days", count: 3).render(.en), "3 days")
        XCTAssertEqual(Message("duration.days", count: 2).render(.ru), "2 дня")
        XCTAssertEqual(Message("duration.days", count: 5).render(.ru), "5 дней")
        XCTAssertEqual(Message("duration.days", count: 21).render(.ru), "21 день")
        let detail = Message("problem.validation-failed.detail",
                             ["what": Message("what.request"), "list": .joined([.verbatim("to: "), Message("reason.required")], separator: "")], count: 1)
        XCTAssertEqual(detail.render(.en), "the request has 1 problem: to: required")
        XCTAssertNotEqual(detail.render(.vi), detail.render(.en))
        XCTAssertEqual(Message("no.such.key").render(.fr), "no.such.key", "an unknown key shows itself, never nothing")
        XCTAssertEqual(Message.verbatim("as is").render(.ar), "as is")
    }

    /// RFC 9110 §12.5.4 with RFC 4647 lookup: quality values, order, truncation, fallback.
    func testAcceptLanguageIsNegotiated() {
        XCTAssertEqual(Language.negotiate(acceptLanguage: nil), .en)
        XCTAssertEqual(Language.negotiate(acceptLanguage: "vi"), .vi)
        XCTAssertEqual(Language.negotiate(acceptLanguage: "zh-Hant-TW"), .zh)
        XCTAssertEqual(Language.negotiate(acceptLanguage: "de-CH, fr;q=0.8, en;q=0.5"), .fr, "German is not offered: the next best")
        XCTAssertEqual(Language.negotiate(acceptLanguage: "en;q=0.5, ru;q=0.9"), .ru, "by quality, not order")
        XCTAssertEqual(Language.negotiate(acceptLanguage: "ar;q=0, es"), .es, "q=0 means not acceptable")
        XCTAssertEqual(Language.negotiate(acceptLanguage: "ja, ko"), .en, "nothing offered: English")
        XCTAssertEqual(Language.negotiate(acceptLanguage: "*"), .en)
        XCTAssertEqual(Language.negotiate(acceptLanguage: "AR-EG"), .ar, "case-insensitive")
        XCTAssertEqual(Language.negotiate(acceptLanguage: ";;,,q=1"), .en)
        XCTAssertEqual(Language(posixLocale: "ru_RU.UTF-8"), .ru)
        XCTAssertEqual(Language(posixLocale: "zh_TW.UTF-8@stroke"), .zh)
        XCTAssertNil(Language(posixLocale: "C.UTF-8"))
        XCTAssertNil(Language(posixLocale: "de_DE.UTF-8"))
    }

    /// Text in any script survives a request's round trip byte for byte (JSON in, canonical out).
    func testAnyScriptRoundTripsByteForByte() throws {
        for text in ["Nạn nhân đã chuyển tiền", "受害人已付款", "دفع الضحايا ثمن بضائع", "Жертвы оплатили товары", "e\u{301} ≠ é"] {
            let body = editing("offence.summary", to: .string(text))
            let request = try decode(body).get()
            XCTAssertEqual(Array(request.offence!.summary!.utf8), Array(text.utf8))
            XCTAssertEqual(request.json["offence"]?["summary"]?.stringValue.map { Array($0.utf8) }, Array(text.utf8))
        }
    }

    /// Every key the code names as a literal (`Message("…")`, `Output.t("…")`, `.key("…")` of
    /// poc's help, `CLIError("…")`…) is in the catalogue: a typo would show the key itself.
    func testEveryKeyTheCodeNamesExists() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let pattern = try NSRegularExpression(pattern:
            #"(?:Message|Output\.t|\bt|\.key|Help\.text|Help\.discussion|CLIError|say)\(\s*"((?:help|poc|json|reason|alert|problem|forbidden|duration|role|what)\.[a-z0-9.\-]+)""#)
        var named = Set<String>()
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", !file.lastPathComponent.hasPrefix("Catalogue+") else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                named.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        XCTAssertGreaterThan(named.count, 150, "the scan found the code's keys")
        XCTAssertTrue(named.contains("help.submit.to") && named.contains("poc.error.no-server") && named.contains("json.expected-colon"))
        XCTAssertEqual(named.subtracting(Catalogue.en.keys).sorted(), [], "named by the code, missing from the catalogue")
    }

    /// Times for people: English in ISO order with the zone named ("UTC", "GMT+7"); the other
    /// languages by ICU's pattern for each, 24-hour, the zone named; the same instant in every one.
    func testTimesAreWrittenForTheLanguageAndTheZone() throws {
        let t = try XCTUnwrap(Instant(rfc3339: "2026-11-23T12:00:05Z"))
        let utc = TimeZone(identifier: "UTC")!, hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        XCTAssertEqual(Message.time(t).render(.en), "2026-11-23 12:00:05 UTC")
        XCTAssertEqual(Message.time(t).render(.en, timeZone: hanoi), "2026-11-23 19:00:05 GMT+7")
        for language in Language.allCases where language != .en {
            let there = Message.time(t).render(language, timeZone: hanoi)
            XCTAssertTrue(there.contains("19:00:05") && there.contains("2026") && there.contains("+7"), "\(language.rawValue): \(there)")
            let here = Message.format(t, language, utc)
            XCTAssertTrue(here.contains("12:00:05") && here.contains("2026") && !here.contains("+"), "\(language.rawValue): \(here)")
            XCTAssertNotEqual(here, Message.format(t, .en, utc), language.rawValue)
        }
        XCTAssertTrue(Message.time(t).render(.ru).contains("нояб"), Message.time(t).render(.ru))
        XCTAssertTrue(Message.time(t).render(.zh).contains("2026年11月23日"), Message.time(t).render(.zh))
        // Inside a message, the time takes the reader's zone too.
        let m = Message("poc.show.preserved-until", ["time": .time(t)])
        XCTAssertEqual(m.render(.en, timeZone: hanoi), "preserved until 2026-11-23 19:00:05 GMT+7")
    }

    /// A JSON syntax error names its byte and reason in any language; the English form is the one
    /// the parser has always given.
    func testJSONSyntaxErrorsAreWrittenForTheReader() {
        do {
            _ = try JSONParser.parse(#"{"a" 1}"#)
            XCTFail("not JSON")
        } catch {
            XCTAssertEqual(error.description, "invalid JSON at byte 5: expected ':'")
            XCTAssertEqual(error.offset, 5)
            XCTAssertEqual(error.reason, "expected ':'")
            for language in Language.allCases where language != .en {
                let text = error.positioned.render(language)
                XCTAssertTrue(text.contains("5") && text.contains("':'"), "\(language.rawValue): \(text)")
                XCTAssertNotEqual(text, error.description, language.rawValue)
            }
        }
    }
}
