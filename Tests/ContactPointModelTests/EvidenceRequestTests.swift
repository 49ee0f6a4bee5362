import XCTest
@testable import ContactPointModel

/// A valid preservation request in the API's own encoding (keys in API.md order, UTC times).
let validRequestJSON = #"{"id":"2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e","reference":"VN-A05-2026-0113","from":"VN","to":"DE","kind":"preservation","priority":"urgent","language":"en","authority":{"name":"Department of Cybersecurity and High-Tech Crime Prevention","contact":"duty@example.vn"},"offence":{"description":"Computer fraud","legal_provision":"Art. 290 Criminal Code","summary":"Victims paid for goods never delivered; the proceeds went to the account below.","convention_articles":["UN-13","BUD-8"]},"data":[{"description":"Subscriber and traffic data of account","relation_to_offence":"account received the proceeds","identifiers":[{"type":"email","value":"x@example.org"}],"period":{"from":"2026-10-01T00:00:00Z","to":"2026-11-01T00:00:00Z"}}],"custodian":{"name":"Example Mail GmbH","location":"DE"},"necessity":"data is deleted after 30 days","mla_intended":true,"confidential":true,"extends":"0c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5","case_reference":"A05/2026/77","attachments":[{"name":"order.pdf","media_type":"application/pdf","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}"#

func decode(_ text: String) -> Result<EvidenceRequest, FieldProblems> {
    EvidenceRequest.decode(Array(text.utf8), newID: { "00000000-0000-4000-8000-000000000000" })
}

func problems(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [FieldProblem] {
    switch decode(text) {
    case .success: XCTFail("expected problems", file: file, line: line); return []
    case .failure(let p): return p.all
    }
}

/// `json` with the member at `path` (dotted, `[i]` for elements) removed or replaced.
func editing(_ json: JSONValue, _ path: [String], to newValue: JSONValue?) -> JSONValue {
    guard let head = path.first else { return newValue ?? .null }
    if let index = Int(head), case .array(var a) = json {
        guard a.indices.contains(index) else { XCTFail("no element \(index) in \(json)"); return json }
        a[index] = editing(a[index], Array(path.dropFirst()), to: newValue)
        return .array(a)
    }
    guard case .object(var o) = json else { return json }
    if path.count == 1 { o[head] = newValue } else if let child = o[head] { o[head] = editing(child, Array(path.dropFirst()), to: newValue) }
    return .object(o)
}

func editing(_ path: String, to newValue: JSONValue?) -> String {
    let parts = path.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "").split(separator: ".").map(String.init)
    guard let json = try? JSONParser.parse(validRequestJSON) else { XCTFail("validRequestJSON does not parse"); return "" }
    return editing(json, parts, to: newValue).serializedString()
}

final class EvidenceRequestTests: XCTestCase {
    /// `write(to:)` gives what `json.serialized()` gives, for a request with every field, an
    /// emergency one, and one with as few as decode accepts.
    func testARequestWrittenStraightToBytesIsItsJSON() throws {
        var tree = try JSONParser.parse(validRequestJSON)
        var documents = [tree]
        tree = editing(tree, ["kind"], to: "emergency-disclosure")
        tree = editing(tree, ["priority"], to: "emergency")
        tree = editing(tree, ["emergency"], to: ["facts": "a \"quoted\" threat\n", "data_relevance": "locates the victim é"])
        documents.append(tree)
        var minimal = try JSONParser.parse(validRequestJSON)
        for field in ["language", "confidential", "extends", "case_reference", "attachments"] {
            minimal = editing(minimal, [field], to: nil)
        }
        minimal = editing(minimal, ["data", "0", "identifiers"], to: nil)
        minimal = editing(minimal, ["data", "0", "period"], to: nil)
        documents.append(minimal)
        for document in documents {
            let request = try decode(document.serializedString()).get()
            var w = JSONWriter()
            request.write(to: &w)
            XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), request.json.serializedString())
        }
        XCTAssertNotNil(try decode(documents[1].serializedString()).get().emergency)
        XCTAssertNil(try decode(documents[2].serializedString()).get().attachments)
    }

    func testAValidRequestRoundTripsByteForByte() throws {
        let request = try decode(validRequestJSON).get()
        XCTAssertEqual(request.json.serializedString(), validRequestJSON)
        XCTAssertEqual(request.from.code, "VN")
        XCTAssertEqual(request.data.first?.period?.to.rfc3339, "2026-11-01T00:00:00Z")
    }

    func testTheConfigExampleValidates() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/request.example.json")
        let bytes = try [UInt8](Data(contentsOf: url))
        XCTAssertNoThrow(try EvidenceRequest.decode(bytes, newID: { "x" }).get())
    }

    func testTimesWithAZoneAreAnsweredInUTC() throws {
        let text = editing("data[0].period.from", to: "2026-10-01T07:00:00+07:00")
        let request = try decode(text).get()
        XCTAssertEqual(request.data.first?.period?.from.rfc3339, "2026-10-01T00:00:00Z")
    }

    func testEachMandatoryFieldRemovedIsNamed() {
        let mandatory = ["reference", "from", "to", "kind", "priority", "authority", "authority.name", "offence",
                         "offence.description", "offence.summary", "data", "data[0].description",
                         "data[0].relation_to_offence", "custodian", "necessity", "mla_intended"]
        for field in mandatory {
            let found = problems(editing(field, to: nil))
            XCTAssertTrue(found.contains { $0.field == field && $0.reason.hasPrefix("required") }, "\(field): \(found)")
            XCTAssertEqual(found.count, 1, "\(field) removed should be the only problem: \(found)")
        }
    }

    func testBlankTextCountsAsMissing() {
        let found = problems(editing("offence.summary", to: "   "))
        XCTAssertEqual(found.map(\.field), ["offence.summary"])
    }

    func testCustodianNeedsANameOrALocation() {
        XCTAssertNoThrow(try decode(editing("custodian.name", to: nil)).get())
        XCTAssertNoThrow(try decode(editing("custodian.location", to: nil)).get())
        let found = problems(editing("custodian", to: ["name": ""]))
        XCTAssertTrue(found.contains { $0.field == "custodian" }, "\(found)")
    }

    func testTheIntentToSendAnMLARequestMustBeTrue() {
        let found = problems(editing("mla_intended", to: false))
        XCTAssertEqual(found.map(\.field), ["mla_intended"])
        XCTAssertTrue(found.first?.reason.contains("must be true") == true, "\(found)")
    }

    func testUnknownFieldsAreRefusedAtEveryLevel() {
        XCTAssertEqual(problems(editing("custodain", to: "Example")).map(\.description), ["custodain: unknown field"])
        XCTAssertEqual(problems(editing("offence.sumary", to: "x")).map(\.field), ["offence.sumary"])
        XCTAssertEqual(problems(editing("data[0].identifiers[0].kind", to: "x")).map(\.field), ["data[0].identifiers[0].kind"])
        XCTAssertEqual(problems(editing("data[0].period.until", to: "x")).map(\.field), ["data[0].period.until"])
    }

    func testEveryProblemIsReportedAtOnce() throws {
        var json = try JSONParser.parse(validRequestJSON)
        json = editing(json, ["offence", "summary"], to: nil)
        json = editing(json, ["data", "0", "relation_to_offence"], to: nil)
        json = editing(json, ["to"], to: "VN")
        json = editing(json, ["priority"], to: "asap")
        json = editing(json, ["confidential"], to: "yes")
        json = editing(json, ["extra"], to: 1)
        let fields = Set(problems(json.serializedString()).map(\.field))
        XCTAssertEqual(fields, ["offence.summary", "data[0].relation_to_offence", "to", "priority", "confidential", "extra"])
    }

    func testCountryCodesAreAssignedISOCodesAndDiffer() {
        XCTAssertTrue(problems(editing("to", to: "UK")).first?.reason.contains("ISO 3166-1 alpha-2") == true)
        XCTAssertEqual(problems(editing("to", to: "de")).map(\.field), ["to"])
        XCTAssertEqual(problems(editing("from", to: "VNM")).map(\.field), ["from"])
        XCTAssertEqual(problems(editing("to", to: "VN")).map(\.description), [#"to: must differ from "from" (VN)"#])
        XCTAssertEqual(problems(editing("to", to: 49)).map(\.description), ["to: must be a string, not a number"])
    }

    func testPeriodsRunForwardAndTimesNeedAZone() {
        XCTAssertEqual(problems(editing("data[0].period.from", to: "2026-12-01T00:00:00Z")).map(\.field), ["data[0].period.from"])
        let noZone = problems(editing("data[0].period.to", to: "2026-11-01T00:00:00"))
        XCTAssertEqual(noZone.map(\.field), ["data[0].period.to"])
        XCTAssertTrue(noZone.first?.reason.contains("RFC 3339") == true, "\(noZone)")
        XCTAssertEqual(problems(editing("data[0].period.to", to: nil)).map(\.description), ["data[0].period.to: required"])
    }

    func testEmergencyDisclosureNeedsItsBlockAndPriority() throws {
        var json = try JSONParser.parse(validRequestJSON)
        json = editing(json, ["kind"], to: "emergency-disclosure")
        let found = problems(json.serializedString())
        XCTAssertEqual(Set(found.map(\.field)), ["priority", "emergency"])

        json = editing(json, ["priority"], to: "emergency")
        json = editing(json, ["emergency"], to: ["facts": "a hostage video was posted an hour ago", "data_relevance": "the uploader's IP"])
        json = editing(json, ["offence"], to: nil)
        XCTAssertNoThrow(try decode(json.serializedString()).get())

        json = editing(json, ["emergency", "data_relevance"], to: nil)
        XCTAssertEqual(problems(json.serializedString()).map(\.field), ["emergency.data_relevance"])
    }

    func testAnEmergencyBlockBelongsOnlyToEmergencyDisclosure() {
        XCTAssertEqual(problems(editing("emergency", to: ["facts": "x", "data_relevance": "y"])).map(\.field), ["emergency"])
    }

    func testAssistanceNeedsNoPreservationContent() throws {
        var json = try JSONParser.parse(validRequestJSON)
        json = editing(json, ["kind"], to: "assistance")
        for key in ["data", "custodian", "necessity", "mla_intended"] { json = editing(json, [key], to: nil) }
        let request = try decode(json.serializedString()).get()
        XCTAssertEqual(request.kind, .assistance)
        XCTAssertEqual(request.data, [])
    }

    func testSizeLimitsOnTextAndLists() throws {
        let long = String(repeating: "x", count: RequestLimits.longText + 1)
        let found = problems(editing("offence.summary", to: .string(long)))
        XCTAssertEqual(found.map(\.field), ["offence.summary"])
        XCTAssertTrue(found.first?.reason.contains("the limit is 8000") == true, "\(found)")
        XCTAssertEqual(problems(editing("reference", to: .string(String(repeating: "R", count: 65)))).map(\.field), ["reference"])
        let item = try XCTUnwrap(JSONParser.parse(validRequestJSON)["data"]?[0])
        let many = JSONValue.array(Array(repeating: item, count: RequestLimits.dataItems + 1))
        XCTAssertEqual(problems(editing("data", to: many)).map(\.field), ["data"])
        XCTAssertEqual(problems(editing("reference", to: "line\nbreak")).map(\.field), ["reference"])
    }

    func testIdentifiersAttachmentsAndIDsAreChecked() {
        XCTAssertEqual(problems(editing("id", to: "not-a-uuid")).map(\.field), ["id"])
        XCTAssertEqual(problems(editing("extends", to: "nope")).map(\.field), ["extends"])
        XCTAssertEqual(problems(editing("attachments[0].sha256", to: "abc")).map(\.field), ["attachments[0].sha256"])
        XCTAssertEqual(problems(editing("attachments[0].media_type", to: "pdf")).map(\.field), ["attachments[0].media_type"])
        XCTAssertEqual(problems(editing("data[0].identifiers[0].value", to: nil)).map(\.field), ["data[0].identifiers[0].value"])
        XCTAssertEqual(problems(editing("language", to: "english!")).map(\.field), ["language"])
        XCTAssertEqual(problems(editing("data[0]", to: "text")).map(\.description), ["data[0]: must be an object, not a string"])
    }

    func testAMissingIDIsAssignedUnlessAPartnerForwards() throws {
        let text = editing("id", to: nil)
        XCTAssertEqual(try decode(text).get().id, "00000000-0000-4000-8000-000000000000")
        let forwarded = EvidenceRequest.decode(Array(text.utf8), requireID: true, newID: { "x" })
        XCTAssertThrowsError(try forwarded.get())
    }

    func testConventionArticlesAreKnownCodesEachOnce() throws {
        XCTAssertEqual(try decode(validRequestJSON).get().offence?.conventionArticles, [.un13, .bud8])
        XCTAssertEqual(try decode(editing("offence.convention_articles", to: ["un-7"])).get().offence?.conventionArticles, [.un7],
                       "lower case is read as the code")
        let found = problems(editing("offence.convention_articles", to: ["UN-13", "UN-18", "BUD-1", 7, "UN-13"]))
        XCTAssertEqual(found.map(\.field), ["offence.convention_articles[1]", "offence.convention_articles[2]",
                                            "offence.convention_articles[3]", "offence.convention_articles[4]"])
        XCTAssertTrue(found[0].reason.hasPrefix("unknown code \"UN-18\": must be UN-7 … UN-17"), found[0].reason)
        XCTAssertEqual(found[2].reason, "must be a string such as \"UN-7\"")
        XCTAssertEqual(found[3].reason, "UN-13 is listed twice")
        XCTAssertEqual(problems(editing("offence.convention_articles", to: [])).map(\.field), ["offence.convention_articles"])
        XCTAssertEqual(problems(editing("offence.convention_articles", to: "UN-7")).map(\.description),
                       ["offence.convention_articles: must be an array, not a string"])
        let tooMany = JSONValue.array((0...ConventionArticle.allCases.count).map { _ in "UN-7" })
        XCTAssertEqual(problems(editing("offence.convention_articles", to: tooMany)).map(\.description),
                       ["offence.convention_articles: at most 20 articles (each code once)"])
    }

    func testConventionArticlesAreRequiredOfAPreservationSubmittedHereOnly() throws {
        let missing = editing("offence.convention_articles", to: nil)
        let found = problems(missing)
        XCTAssertEqual(found.map(\.field), ["offence.convention_articles"])
        XCTAssertTrue(found[0].reason.hasPrefix("required for a preservation request"), found[0].reason)
        // A partner's daemon forwarding a request it accepted: taken without the classification.
        let forwarded = try EvidenceRequest.decode(Array(missing.utf8), requireID: true, newID: { "x" }).get()
        XCTAssertNil(forwarded.offence?.conventionArticles)
        // Other kinds: optional.
        var json = try JSONParser.parse(missing)
        json = editing(json, ["kind"], to: "traffic-disclosure")
        XCTAssertNoThrow(try decode(json.serializedString()).get())
        json = editing(json, ["kind"], to: "assistance")
        XCTAssertNoThrow(try decode(json.serializedString()).get())
    }

    func testArticlesPackIntoABitSetInTheSchemesOrder() {
        let set = ConventionArticles([.bud8, .un13, .un7])
        XCTAssertEqual(set.articles, [.un7, .un13, .bud8])
        XCTAssertTrue(set.contains(.un13))
        XCTAssertFalse(set.contains(.bud2))
        XCTAssertEqual(ConventionArticles(rawValue: set.rawValue), set)
        XCTAssertEqual(ConventionArticles(rawValue: UInt32.max).articles, ConventionArticle.allCases, "unknown bits are dropped")
        XCTAssertEqual(Set(ConventionArticle.allCases.map(\.rawValue)).count, 20)
        XCTAssertEqual(ConventionArticle.allCases.filter { $0.convention == "UN" }.map(\.rawValue), (7...17).map { "UN-\($0)" })
        XCTAssertEqual(ConventionArticle.allCases.filter { $0.convention == "BUD" }.map(\.rawValue), (2...10).map { "BUD-\($0)" })
    }

    /// Art. 43: one draft per third country, in the disclosure's order; the parties' own
    /// countries get none; every draft validates as it stands, however long the path.
    func testFollowOnDraftsGoToEachThirdCountryAndValidate() throws {
        let request = try decode(validRequestJSON).get()  // VN → DE
        let providers = [ServiceProvider(name: "Relay Inc", country: CountryCode("US")!), ServiceProvider(name: "Mailer GmbH", country: CountryCode("DE")!),
                         ServiceProvider(name: "Host SAS", country: CountryCode("FR")!), ServiceProvider(name: "Backup LLC", country: CountryCode("US")!),
                         ServiceProvider(name: "VN Telecom", country: CountryCode("VN")!)]
        let long = String(repeating: "hop ", count: 2_500)
        let drafts = request.followOns(providers: providers, pathSummary: long, disclosedBy: request.to)
        XCTAssertEqual(drafts.map(\.to.code), ["US", "FR"])
        XCTAssertEqual(drafts[0].custodian, .init(name: "Relay Inc, Backup LLC", location: "US"))
        XCTAssertEqual(drafts[0].extends, request.id)
        XCTAssertEqual(drafts[0].reference, "VN-A05-2026-0113-US")
        XCTAssertEqual(drafts[0].offence, request.offence, "the offence and its classification carry over")
        XCTAssertEqual(drafts[0].necessity?.unicodeScalars.count, RequestLimits.longText)
        for draft in drafts {
            var body = draft.json.objectValue!
            body["id"] = nil
            XCTAssertNoThrow(try EvidenceRequest.decode(.object(body), newID: { "00000000-0000-4000-8000-000000000001" }).get())
        }
    }

    func testNotJSONOrNotAnObject() {
        XCTAssertTrue(problems("{\"a\":").first?.reason.contains("invalid JSON") == true)
        XCTAssertEqual(problems("[1]").map(\.reason), ["the body must be a JSON object, not an array"])
    }

    func testIdenticalContentHasIdenticalCanonicalBytes() throws {
        let a = try decode(validRequestJSON).get()
        let reordered = try XCTUnwrap(JSONParser.parse(validRequestJSON).objectValue).members.reversed()
        let b = try decode(JSONValue.object(JSONObject(reordered.map { ($0.key, $0.value) })).serializedString()).get()
        XCTAssertEqual(a.canonicalBytes, b.canonicalBytes)
        var c = a
        c.necessity = "other"
        XCTAssertNotEqual(a.canonicalBytes, c.canonicalBytes)
    }
}
