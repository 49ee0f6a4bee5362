extension EvidenceRequest {
    /// Decodes and validates a request body, reporting every problem at once.
    ///
    /// - Parameters:
    ///   - body: the raw bytes of `POST /v1/requests`.
    ///   - requireID: true when a partner daemon forwards (the id must travel with the request).
    ///   - newID: makes the id when the submitter leaves it out.
    public static func decode(_ body: [UInt8], requireID: Bool = false, newID: () -> String) -> Result<EvidenceRequest, FieldProblems> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            return .failure(FieldProblems([FieldProblem(field: "", reason: error.description)]))
        }
        return decode(value, requireID: requireID, newID: newID)
    }

    /// Decodes and validates a parsed request body, reporting every problem at once.
    public static func decode(_ value: JSONValue, requireID: Bool = false, newID: () -> String) -> Result<EvidenceRequest, FieldProblems> {
        let sink = ProblemSink()
        guard let root = ObjectReader.root(value, problems: sink) else { return .failure(sink.problems) }
        let check = TextCheck(sink: sink)

        let id = root.string("id")
        let reference = root.string("reference")
        let fromText = root.string("from")
        let toText = root.string("to")
        let kindText = root.string("kind")
        let priorityText = root.string("priority")
        let language = root.string("language")
        let authority = root.object("authority").map { r -> Authority in
            defer { r.refuseUnknown() }
            return Authority(name: r.string("name"), contact: r.string("contact"))
        }
        var articlesGiven = false
        let offence = root.object("offence").map { r -> Offence in
            defer { r.refuseUnknown() }
            articlesGiven = r.has("convention_articles")
            return Offence(description: r.string("description"), legalProvision: r.string("legal_provision"), summary: r.string("summary"),
                           conventionArticles: Self.conventionArticles(r))
        }
        let dataElements = root.array("data")
        var dataPaths: [String] = []
        let data: [DataItem] = (dataElements ?? []).compactMap { element in
            guard let r = root.element(element) else { return nil }
            dataPaths.append(element.path)
            defer { r.refuseUnknown() }
            let identifiers = r.array("identifiers")?.compactMap { item -> Identifier? in
                guard let ir = r.element(item) else { return nil }
                defer { ir.refuseUnknown() }
                let type = ir.string("type"), value = ir.string("value")
                check.required(type, at: ir.fieldPath("type"), limit: RequestLimits.identifierType)
                check.required(value, at: ir.fieldPath("value"), limit: RequestLimits.shortText)
                guard let type, let value else { return nil }
                return Identifier(type: type, value: value)
            }
            var period: Period?
            if let pr = r.object("period") {
                let from = pr.instant("from"), to = pr.instant("to")
                if !pr.has("from") { pr.problem("from", Message("reason.required")) }
                if !pr.has("to") { pr.problem("to", Message("reason.required")) }
                if let from, let to {
                    if from > to { pr.problem("from", Message("reason.period-order", ["time": .verbatim(to.rfc3339)])) }
                    period = Period(from: from, to: to)
                }
                pr.refuseUnknown()
            }
            let item = DataItem(
                description: r.string("description"), relationToOffence: r.string("relation_to_offence"),
                identifiers: identifiers, period: period)
            check.required(item.description, at: r.fieldPath("description"), limit: RequestLimits.shortText)
            check.optional(item.relationToOffence, at: r.fieldPath("relation_to_offence"), limit: RequestLimits.longText)
            if let ids = r.raw("identifiers")?.arrayValue, ids.count > RequestLimits.identifiersPerItem {
                r.problem("identifiers", Message("reason.too-many-identifiers", count: RequestLimits.identifiersPerItem))
            }
            return item
        }
        let custodian = root.object("custodian").map { r -> Custodian in
            defer { r.refuseUnknown() }
            return Custodian(name: r.string("name"), location: r.string("location"))
        }
        let necessity = root.string("necessity")
        let mlaIntended = root.bool("mla_intended")
        let emergency = root.object("emergency").map { r -> EmergencyFacts in
            defer { r.refuseUnknown() }
            return EmergencyFacts(facts: r.string("facts"), dataRelevance: r.string("data_relevance"))
        }
        let confidential = root.bool("confidential")
        let extends = root.string("extends")
        let caseReference = root.string("case_reference")
        let attachments = root.array("attachments")?.compactMap { item -> Attachment? in
            guard let r = root.element(item) else { return nil }
            defer { r.refuseUnknown() }
            let name = r.string("name"), mediaType = r.string("media_type"), sha = r.string("sha256")
            check.required(name, at: r.fieldPath("name"), limit: RequestLimits.shortText)
            if let mediaType {
                if !RequestLimits.isMediaType(mediaType) { r.problem("media_type", Message("reason.media-type")) }
            } else { r.problem("media_type", Message("reason.required")) }
            if let sha {
                if !RequestLimits.isSHA256(sha) { r.problem("sha256", Message("reason.sha256")) }
            } else { r.problem("sha256", Message("reason.required")) }
            guard let name, let mediaType, let sha else { return nil }
            return Attachment(name: name, mediaType: mediaType, sha256: sha)
        }
        root.refuseUnknown()

        // Scalars of the envelope.
        if let id {
            if !RequestLimits.isUUID(id) { root.problem("id", Message("reason.uuid")) }
        } else if requireID {
            root.problem("id", Message("reason.id-forwarded"))
        }
        check.required(reference, at: "reference", limit: RequestLimits.reference, multiline: false)
        let from = check.country(fromText, at: "from")
        let to = check.country(toText, at: "to")
        if let from, let to, from == to { root.problem("to", Message("reason.to-differs", ["code": .verbatim(from.code)])) }
        var kind: RequestKind?
        if let kindText {
            kind = RequestKind(rawValue: kindText)
            if kind == nil {
                root.problem("kind", Message("reason.one-of", ["values": .verbatim(RequestKind.allCases.map(\.rawValue).joined(separator: ", "))]))
            }
        } else if !sink.hasProblem(at: "kind") {
            root.problem("kind", Message("reason.required"))
        }
        var priority: Priority?
        if let priorityText {
            priority = Priority(rawValue: priorityText)
            if priority == nil {
                root.problem("priority", Message("reason.one-of", ["values": .verbatim(Priority.allCases.map(\.rawValue).joined(separator: ", "))]))
            }
        } else if !sink.hasProblem(at: "priority") {
            root.problem("priority", Message("reason.required"))
        }
        if let language, !RequestLimits.isLanguageTag(language) {
            root.problem("language", Message("reason.language-tag"))
        }
        if let extends, !RequestLimits.isUUID(extends) { root.problem("extends", Message("reason.extends-uuid")) }
        check.optional(caseReference, at: "case_reference", limit: RequestLimits.shortText, multiline: false)
        if let n = dataElements?.count, n > RequestLimits.dataItems {
            root.problem("data", Message("reason.too-many-data", count: RequestLimits.dataItems))
        }
        if let n = attachments?.count, n > RequestLimits.attachments {
            root.problem("attachments", Message("reason.too-many-attachments", count: RequestLimits.attachments))
        }

        var request = EvidenceRequest(
            id: id?.lowercased() ?? "", reference: reference ?? "", from: from ?? CountryCode("AD")!, to: to ?? CountryCode("AD")!,
            kind: kind ?? .preservation, priority: priority ?? .routine, language: language, authority: authority,
            offence: offence, data: data, custodian: custodian, necessity: necessity, mlaIntended: mlaIntended,
            emergency: emergency, confidential: confidential, extends: extends?.lowercased(),
            caseReference: caseReference, attachments: attachments)
        // The classification is required of a preservation request submitted here. One a partner
        // forwards is taken without it: the requesting side's daemon applied its own rule, and a
        // treaty-valid request is not lost over a field the treaty does not ask for.
        if kind == .preservation, !requireID, !articlesGiven, offence != nil {
            sink.add("offence.convention_articles", Message("reason.articles-required"))
        }
        if let kind {
            request.validateContent(kind: kind, priority: priority, check: check, dataElementCount: dataElements?.count, dataPaths: dataPaths)
        }
        guard sink.isEmpty else { return .failure(sink.problems) }
        if id == nil { request.id = newID() }
        return .success(request)
    }
}

extension EvidenceRequest {
    /// `offence.convention_articles`: an array of one to 20 distinct known codes, each problem
    /// named by its element's path. Nil when absent or not an array.
    static func conventionArticles(_ r: ObjectReader) -> [ConventionArticle]? {
        guard let elements = r.array("convention_articles") else { return nil }
        if elements.isEmpty {
            r.problem("convention_articles", Message("reason.articles-empty"))
            return []
        }
        guard elements.count <= ConventionArticle.allCases.count else {
            r.problem("convention_articles", Message("reason.articles-too-many", count: ConventionArticle.allCases.count))
            return nil
        }
        var seen = Set<ConventionArticle>()
        var articles: [ConventionArticle] = []
        for element in elements {
            guard let code = element.value.stringValue else {
                r.problem(at: element.path, Message("reason.article-string"))
                continue
            }
            guard let article = ConventionArticle(rawValue: code.uppercased()) else {
                r.problem(at: element.path, Message("reason.article-unknown", ["code": .verbatim(String(code.prefix(40)))]))
                continue
            }
            if !seen.insert(article).inserted {
                r.problem(at: element.path, Message("reason.article-twice", ["code": .verbatim(article.rawValue)]))
                continue
            }
            articles.append(article)
        }
        return articles
    }
}
