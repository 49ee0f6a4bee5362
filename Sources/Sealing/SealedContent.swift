import ContactPointModel
import Foundation

/// Which parts of an event's payload are personal content, and how they are sealed in the
/// log (docs/privacy.md §1).
///
/// What routing and deadlines need stays in clear: ids, countries, kind, priority, states,
/// deadlines, actors, times and references. The rest of a payload moves into one member,
/// `"sealed"`: the base64 of `AESGCM.seal(JCS(object of the sealed members), data key,
/// aad: request id)`. The log's leaf commits to that form, so destroying the data key
/// erases the content and leaves every proof intact.
public enum SealedContent {
    /// The member that holds the sealed part.
    public static let member = "sealed"

    /// The request members that stay in clear in a `submitted` event.
    public static let clearRequestMembers: Set<String> = ["id", "reference", "from", "to", "kind", "priority", "extends", "case_reference"]

    /// Members of a sealed request member that stay in clear beside it: the offence's
    /// classification, which the queue filter and the statistics read without a key and which
    /// outlives an erasure (it names articles of a convention, not a person).
    public static let clearNestedMembers: [String: Set<String>] = ["offence": ["convention_articles"]]

    /// The payload members sealed, per event type (for `submitted`, everything in the request
    /// outside `clearRequestMembers`). Empty strings and arrays stand in for them on replay.
    public static let sealedMembers: [String: [(name: String, empty: JSONValue)]] = [
        "preserved": [("provider_reference", .string(""))],
        "disclosed": [("provider_reference", .string("")), ("handed_over", .string(""))],
        "no-data-reported": [("reason", .string(""))],
        "refused": [("reason", .string(""))],
        "risk-notified": [("reason", .string(""))],
        "withdrawn": [("reason", .string(""))],
        "released": [("reason", .string(""))],
        "traffic-disclosed": [("service_providers", .array([])), ("path_summary", .string(""))],
    ]

    /// Whether an event of `type` may carry content to seal.
    public static func carriesContent(_ type: String) -> Bool { type == "submitted" || sealedMembers[type] != nil }

    /// The payload with its content sealed under `key`, or nil if it has none to seal.
    public static func seal(_ payload: JSONValue, type: String, requestID: String, key: [UInt8]) -> JSONValue? {
        guard let (holder, put) = target(payload, type: type) else { return nil }
        var secret = JSONObject()
        var clear = JSONObject()
        for (name, value) in holder {
            if let (inClear, inSecret) = split(name, value, type: type) {
                if let inClear { clear[name] = inClear }
                if let inSecret { secret[name] = inSecret }
            } else if isSealed(name, type: type) { secret[name] = value } else { clear[name] = value }
        }
        guard secret.count > 0 else { return nil }
        let box = AESGCM.seal(JSONValue.object(secret).jcsBytes(), key: key, aad: Array(requestID.utf8))
        clear[member] = .string(Data(box).base64EncodedString())
        return put(clear)
    }

    /// What `payload` holds once opened: the sealed members back in place, beside the
    /// `"sealed"` member itself (kept, so that a reader can rebuild the stored form and check
    /// the event's inclusion in the log with `storedForm`). A nil key (the content was
    /// erased) leaves the payload as it is stored. Nil if the box does not open with `key`.
    public static func open(_ payload: JSONValue, type: String, requestID: String, key: [UInt8]?) -> JSONValue? {
        guard let (holder, put) = target(payload, type: type), let sealed = holder[member]?.stringValue else { return payload }
        guard let key else { return payload }
        guard let box = Data(base64Encoded: sealed),
              let plain = AESGCM.open(Array(box), key: key, aad: Array(requestID.utf8)),
              let secret = (try? JSONParser.parse(plain))?.objectValue
        else { return nil }
        var out = holder
        for (name, value) in secret {
            // A member split in two (the offence) comes back whole: its clear members beside the sealed ones.
            if var whole = out[name]?.objectValue, let sealedPart = value.objectValue {
                for (k, v) in sealedPart { whole[k] = v }
                out[name] = .object(whole)
            } else {
                out[name] = value
            }
        }
        return put(out)
    }

    /// The payload without its `"sealed"` member, for decoding what was opened.
    public static func strippingSealed(_ payload: JSONValue, type: String) -> JSONValue {
        guard let (holder, put) = target(payload, type: type), holder[member] != nil else { return payload }
        var out = holder
        out[member] = nil
        return put(out)
    }

    /// The payload as the log stores it, from an opened one: the sealed members taken out
    /// again (those of §1 of docs/privacy.md), `"sealed"` kept. A payload without `"sealed"`
    /// was stored as it is.
    public static func storedForm(_ payload: JSONValue, type: String) -> JSONValue {
        guard let (holder, put) = target(payload, type: type), holder[member] != nil else { return payload }
        var out = JSONObject()
        for (name, value) in holder {
            if let (inClear, _) = split(name, value, type: type) {
                if let inClear { out[name] = inClear }
            } else if !isSealed(name, type: type) {
                out[name] = value
            }
        }
        out[member] = holder[member]
        return put(out)
    }

    /// Whether `payload` still holds sealed content.
    public static func isSealed(_ payload: JSONValue, type: String) -> Bool {
        target(payload, type: type)?.holder[member] != nil
    }

    /// The payload with the sealed member replaced by empty stand-ins, enough for the
    /// lifecycle (which needs none of the content) to replay the event.
    public static func placeholder(_ payload: JSONValue, type: String) -> JSONValue {
        guard type != "submitted", var o = payload.objectValue, o[member] != nil else { return payload }
        o[member] = nil
        for (name, empty) in sealedMembers[type] ?? [] where o[name] == nil { o[name] = empty }
        return .object(o)
    }

    /// The clear part of a `submitted` payload as a request (unvalidated: only what the Desk
    /// keeps in memory is filled in), or nil if the clear part is incomplete.
    public static func clearRequest(_ payload: JSONValue) -> EvidenceRequest? {
        guard let r = payload["request"], let id = r["id"]?.stringValue, let reference = r["reference"]?.stringValue,
              let from = r["from"]?.stringValue.flatMap(CountryCode.init), let to = r["to"]?.stringValue.flatMap(CountryCode.init),
              let kind = r["kind"]?.stringValue.flatMap(RequestKind.init(rawValue:)),
              let priority = r["priority"]?.stringValue.flatMap(Priority.init(rawValue:))
        else { return nil }
        let articles = r["offence"]?["convention_articles"]?.arrayValue?.compactMap { $0.stringValue.flatMap(ConventionArticle.init) }
        return EvidenceRequest(id: id, reference: reference, from: from, to: to, kind: kind, priority: priority,
                               offence: articles.map { EvidenceRequest.Offence(description: nil, summary: nil, conventionArticles: $0) },
                               extends: r["extends"]?.stringValue, caseReference: r["case_reference"]?.stringValue)
    }

    /// A member of a `submitted` request that is part clear and part sealed, as (clear part,
    /// sealed part), each nil when empty; nil for any other member.
    private static func split(_ name: String, _ value: JSONValue, type: String) -> (JSONValue?, JSONValue?)? {
        guard type == "submitted", let keep = clearNestedMembers[name], let o = value.objectValue else { return nil }
        var clear = JSONObject(), secret = JSONObject()
        for (k, v) in o {
            if keep.contains(k) { clear[k] = v } else { secret[k] = v }
        }
        return (clear.count > 0 ? .object(clear) : nil, secret.count > 0 ? .object(secret) : nil)
    }

    private static func isSealed(_ name: String, type: String) -> Bool {
        if type == "submitted" { return !clearRequestMembers.contains(name) && name != member }
        return sealedMembers[type]?.contains { $0.name == name } ?? false
    }

    /// The object that holds the members (the request, for `submitted`) and how to put it back.
    private static func target(_ payload: JSONValue, type: String) -> (holder: JSONObject, put: (JSONObject) -> JSONValue)? {
        if type == "submitted" {
            guard var outer = payload.objectValue, let request = outer["request"]?.objectValue else { return nil }
            return (request, { inner in outer["request"] = .object(inner); return .object(outer) })
        }
        guard sealedMembers[type] != nil, let o = payload.objectValue else { return nil }
        return (o, { .object($0) })
    }
}

extension SealedContent {
    /// The event as replay needs it, without opening anything: what the lifecycle and the
    /// deadlines use is in clear, and sealed members are given empty stand-ins. For a
    /// `submitted` event only the request's clear part is filled in.
    public static func replayEvent(type: String, payload: JSONValue) -> Result<CaseEvent, FieldProblems> {
        if type == "submitted" {
            guard let request = clearRequest(payload) else {
                return .failure(FieldProblems([FieldProblem(field: "submitted", reason: "the request's clear part is incomplete")]))
            }
            return .success(.submitted(request))
        }
        return CaseEvent.decode(type: type, payload: placeholder(payload, type: type))
    }
}
