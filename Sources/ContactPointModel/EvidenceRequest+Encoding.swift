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
