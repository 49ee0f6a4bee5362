extension EvidenceRequest {
    /// The request as the API writes it: snake_case keys in the order of API.md, times in UTC,
    /// absent optional fields left out. `json.serialized()` of a decoded request reproduces a
    /// document written in that form byte for byte.
    public var json: JSONValue {
        var o = JSONObject()
        o["id"] = .string(id)
        o["reference"] = .string(reference)
        o["from"] = .string(from.code)
        o["to"] = .string(to.code)
        o["kind"] = .string(kind.rawValue)
        o["priority"] = .string(priority.rawValue)
        o["language"] = language.map(JSONValue.string)
        if let authority {
            var a = JSONObject()
            a["name"] = authority.name.map(JSONValue.string)
            a["contact"] = authority.contact.map(JSONValue.string)
            o["authority"] = .object(a)
        }
        if let offence {
            var a = JSONObject()
            a["description"] = offence.description.map(JSONValue.string)
            a["legal_provision"] = offence.legalProvision.map(JSONValue.string)
            a["summary"] = offence.summary.map(JSONValue.string)
            a["convention_articles"] = offence.conventionArticles.map { .array($0.map { .string($0.rawValue) }) }
            o["offence"] = .object(a)
        }
        o["data"] = .array(data.map { item in
            var d = JSONObject()
            d["description"] = item.description.map(JSONValue.string)
            d["relation_to_offence"] = item.relationToOffence.map(JSONValue.string)
            if let ids = item.identifiers {
                d["identifiers"] = .array(ids.map { ["type": .string($0.type), "value": .string($0.value)] })
            }
            if let p = item.period {
                d["period"] = ["from": .string(p.from.rfc3339), "to": .string(p.to.rfc3339)]
            }
            return .object(d)
        })
        if let custodian {
            var c = JSONObject()
            c["name"] = custodian.name.map(JSONValue.string)
            c["location"] = custodian.location.map(JSONValue.string)
            o["custodian"] = .object(c)
        }
        o["necessity"] = necessity.map(JSONValue.string)
        o["mla_intended"] = mlaIntended.map(JSONValue.bool)
        if let emergency {
            var e = JSONObject()
            e["facts"] = emergency.facts.map(JSONValue.string)
            e["data_relevance"] = emergency.dataRelevance.map(JSONValue.string)
            o["emergency"] = .object(e)
        }
        o["confidential"] = confidential.map(JSONValue.bool)
        o["extends"] = extends.map(JSONValue.string)
        o["case_reference"] = caseReference.map(JSONValue.string)
        if let attachments {
            o["attachments"] = .array(attachments.map {
                ["name": .string($0.name), "media_type": .string($0.mediaType), "sha256": .string($0.sha256)]
            })
        }
        return .object(o)
    }

    /// The canonical bytes of the request: what "identical content" means for an idempotent retry.
    public var canonicalBytes: [UInt8] { json.canonicalBytes() }
}

extension EvidenceRequest {
    /// Writes `json` straight to `w`, byte for byte what `json.serialized()` gives (tested): a
    /// request's view (the answer to every intake) no longer builds the tree to walk it once.
    public func write(to w: inout JSONWriter) {
        typealias K = RequestKeys
        w.beginObject()
        w.member(K.id, id)
        w.member(K.reference, reference)
        w.member(K.from, from.code)
        w.member(K.to, to.code)
        w.member(K.kind, kind.rawValue)
        w.member(K.priority, priority.rawValue)
        if let language { w.member(K.language, language) }
        if let authority {
            w.key(K.authority)
            w.beginObject()
            if let v = authority.name { w.member(K.name, v) }
            if let v = authority.contact { w.member(K.contact, v) }
            w.endObject()
        }
        if let offence {
            w.key(K.offence)
            w.beginObject()
            if let v = offence.description { w.member(K.description, v) }
            if let v = offence.legalProvision { w.member(K.legalProvision, v) }
            if let v = offence.summary { w.member(K.summary, v) }
            if let v = offence.conventionArticles {
                w.key(K.conventionArticles)
                w.beginArray()
                for a in v { w.string(a.rawValue) }
                w.endArray()
            }
            w.endObject()
        }
        w.key(K.data)
        w.beginArray()
        for item in data {
            w.beginObject()
            if let v = item.description { w.member(K.description, v) }
            if let v = item.relationToOffence { w.member(K.relationToOffence, v) }
            if let ids = item.identifiers {
                w.key(K.identifiers)
                w.beginArray()
                for i in ids {
                    w.beginObject()
                    w.member(K.type, i.type)
                    w.member(K.value, i.value)
                    w.endObject()
                }
                w.endArray()
            }
            if let p = item.period {
                w.key(K.period)
                w.beginObject()
                w.member(K.from, p.from.rfc3339)
                w.member(K.to, p.to.rfc3339)
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
        if let custodian {
            w.key(K.custodian)
            w.beginObject()
            if let v = custodian.name { w.member(K.name, v) }
            if let v = custodian.location { w.member(K.location, v) }
            w.endObject()
        }
        if let necessity { w.member(K.necessity, necessity) }
        if let mlaIntended { w.member(K.mlaIntended, mlaIntended) }
        if let emergency {
            w.key(K.emergency)
            w.beginObject()
            if let v = emergency.facts { w.member(K.facts, v) }
            if let v = emergency.dataRelevance { w.member(K.dataRelevance, v) }
            w.endObject()
        }
        if let confidential { w.member(K.confidential, confidential) }
        if let extends { w.member(K.extends, extends) }
        if let caseReference { w.member(K.caseReference, caseReference) }
        if let attachments {
            w.key(K.attachments)
            w.beginArray()
            for a in attachments {
                w.beginObject()
                w.member(K.name, a.name)
                w.member(K.mediaType, a.mediaType)
                w.member(K.sha256, a.sha256)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
    }
}

/// The member names of a request's JSON, made once.
private enum RequestKeys {
    static let id = JSONWriter.Key("id"), reference = JSONWriter.Key("reference"), from = JSONWriter.Key("from")
    static let to = JSONWriter.Key("to"), kind = JSONWriter.Key("kind"), priority = JSONWriter.Key("priority")
    static let language = JSONWriter.Key("language"), authority = JSONWriter.Key("authority"), name = JSONWriter.Key("name")
    static let contact = JSONWriter.Key("contact"), offence = JSONWriter.Key("offence"), description = JSONWriter.Key("description")
    static let legalProvision = JSONWriter.Key("legal_provision"), summary = JSONWriter.Key("summary")
    static let conventionArticles = JSONWriter.Key("convention_articles"), data = JSONWriter.Key("data")
    static let relationToOffence = JSONWriter.Key("relation_to_offence"), identifiers = JSONWriter.Key("identifiers")
    static let type = JSONWriter.Key("type"), value = JSONWriter.Key("value"), period = JSONWriter.Key("period")
    static let custodian = JSONWriter.Key("custodian"), location = JSONWriter.Key("location"), necessity = JSONWriter.Key("necessity")
    static let mlaIntended = JSONWriter.Key("mla_intended"), emergency = JSONWriter.Key("emergency"), facts = JSONWriter.Key("facts")
    static let dataRelevance = JSONWriter.Key("data_relevance"), confidential = JSONWriter.Key("confidential")
    static let extends = JSONWriter.Key("extends"), caseReference = JSONWriter.Key("case_reference")
    static let attachments = JSONWriter.Key("attachments"), mediaType = JSONWriter.Key("media_type"), sha256 = JSONWriter.Key("sha256")
}
