/// The size limits on every free-text field and list of a request. The numbers are
/// generous for real casework and small enough that one request can never exhaust the
/// daemon (the HTTP body limit, 1 MiB, bounds the whole document as well).
public enum RequestLimits {
    /// `reference`: the requesting side's file number.
    public static let reference = 64
    /// Names, descriptions, legal provisions, contacts, identifier values, locations (characters).
    public static let shortText = 512
    /// Summaries of facts, necessity, relations to the offence, emergency facts (characters).
    public static let longText = 8_000
    /// `data` items in one request.
    public static let dataItems = 50
    /// `identifiers` in one data item.
    public static let identifiersPerItem = 100
    /// `attachments` in one request.
    public static let attachments = 20
    /// `identifiers[].type` (`email`, `ipv4`, `account`...).
    public static let identifierType = 64

    static func isUUID(_ s: String) -> Bool { RequestID(s) != nil }

    static func isSHA256(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { isHex($0, upperAllowed: false) }
    }

    static func isHex(_ c: UInt8, upperAllowed: Bool) -> Bool {
        (0x30...0x39).contains(c) || (0x61...0x66).contains(c) || (upperAllowed && (0x41...0x46).contains(c))
    }

    static func isLanguageTag(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.utf8.count <= 35, let first = parts.first, (2...3).contains(first.count),
              first.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    static func isMediaType(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        let token: (Substring) -> Bool = { p in
            !p.isEmpty && p.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$&-^_.+".contains($0)) }
        }
        return s.utf8.count <= 127 && parts.count == 2 && token(parts[0]) && token(parts[1])
    }
}

/// Checks free text against presence, length and character rules, recording problems.
struct TextCheck {
    let sink: ProblemSink

    /// Present, not blank, within `limit` characters, no control characters. The field's path
    /// is built only when there is a problem to name (building it for every field cost more
    /// than the checks).
    func required(_ text: String?, at field: @autoclosure () -> String, limit: Int, multiline: Bool = true) {
        guard let text else {
            let field = field()
            if !sink.hasProblem(at: field) { sink.add(field, Message("reason.required")) }
            return
        }
        if text.allSatisfy(\.isWhitespace) { sink.add(field(), Message("reason.required-empty")); return }
        checkContent(text, at: field, limit: limit, multiline: multiline)
    }

    /// Absent, or present and valid as for `required`.
    func optional(_ text: String?, at field: @autoclosure () -> String, limit: Int, multiline: Bool = true) {
        guard let text else { return }
        if text.allSatisfy(\.isWhitespace) { sink.add(field(), Message("reason.not-empty")); return }
        checkContent(text, at: field, limit: limit, multiline: multiline)
    }

    /// The length in Unicode scalars and the control characters, in one pass over the UTF-8:
    /// a scalar is a byte that is not a continuation byte (10xxxxxx), and a byte below 0x80
    /// is always the character itself.
    private func checkContent(_ text: String, at field: () -> String, limit: Int, multiline: Bool) {
        var scalars = 0
        var badControl = false
        var text = text
        text.withUTF8 { utf8 in
            for b in utf8 {
                if b & 0xC0 != 0x80 { scalars += 1 }
                if (b < 0x20 && !(multiline && (b == 0x0A || b == 0x09 || b == 0x0D))) || b == 0x7F { badControl = true }
            }
        }
        if scalars > limit {
            sink.add(field(), Message("reason.too-long", ["limit": .verbatim(String(limit))], count: scalars))
        }
        if badControl {
            sink.add(field(), Message(multiline ? "reason.control-character" : "reason.single-line"))
        }
    }

    func country(_ text: String?, at field: String) -> CountryCode? {
        guard let text else {
            if !sink.hasProblem(at: field) { sink.add(field, Message("reason.required")) }
            return nil
        }
        guard let code = CountryCode(text) else {
            sink.add(field, Message("reason.country", ["value": .verbatim(String(text.prefix(8)))]))
            return nil
        }
        return code
    }
}

extension EvidenceRequest {
    /// The treaty's mandatory content, by kind. Records every missing or wrong part.
    func validateContent(kind: RequestKind, priority: Priority?, check: TextCheck, dataElementCount: Int?, dataPaths: [String]) {
        let sink = check.sink
        let art = "UN art. 42(2); Budapest art. 29(2)"

        // (a) The authority: every kind says who is asking.
        if let authority {
            check.required(authority.name, at: "authority.name", limit: RequestLimits.shortText, multiline: false)
            check.optional(authority.contact, at: "authority.contact", limit: RequestLimits.shortText, multiline: false)
        } else {
            sink.add("authority", Message("reason.required"))
        }

        // (b) The offence and a summary of the facts.
        let offenceMandatory = kind != .emergencyDisclosure
        if let offence {
            if offenceMandatory {
                check.required(offence.description, at: "offence.description", limit: RequestLimits.shortText)
                check.required(offence.summary, at: "offence.summary", limit: RequestLimits.longText)
            } else {
                check.optional(offence.description, at: "offence.description", limit: RequestLimits.shortText)
                check.optional(offence.summary, at: "offence.summary", limit: RequestLimits.longText)
            }
            check.optional(offence.legalProvision, at: "offence.legal_provision", limit: RequestLimits.shortText)
        } else if offenceMandatory {
            sink.add("offence", Message("reason.required"))
        }

        let preservationContent = kind == .preservation || kind == .trafficDisclosure
        // (c) The data and its relationship to the offence.
        if preservationContent || kind == .emergencyDisclosure {
            if dataElementCount == nil {
                if !sink.hasProblem(at: "data") { sink.add("data", Message("reason.required")) }
            } else if dataElementCount == 0 {
                sink.add("data", Message("reason.data-required"))
            }
        }
        if preservationContent {
            for (item, path) in zip(data, dataPaths) where item.relationToOffence == nil
                || item.relationToOffence!.allSatisfy(\.isWhitespace) {
                check.required(item.relationToOffence, at: "\(path).relation_to_offence", limit: RequestLimits.longText)
            }
            // (d) The custodian or the location of the computer system.
            if let custodian {
                let hasName = !(custodian.name ?? "").allSatisfy(\.isWhitespace)
                let hasLocation = !(custodian.location ?? "").allSatisfy(\.isWhitespace)
                if !hasName && !hasLocation {
                    sink.add("custodian", Message("reason.custodian-required"))
                }
            } else {
                sink.add("custodian", Message("reason.required"))
            }
            // (e) Necessity. (f) The intent to send an MLA request.
            check.required(necessity, at: "necessity", limit: RequestLimits.longText)
            if let mlaIntended {
                if !mlaIntended {
                    sink.add("mla_intended", Message("reason.mla-true", ["article": .verbatim("\(art)(f)")]))
                }
            } else {
                sink.add("mla_intended", Message("reason.required"))
            }
        } else {
            check.optional(necessity, at: "necessity", limit: RequestLimits.longText)
        }
        if let custodian {
            check.optional(custodian.name, at: "custodian.name", limit: RequestLimits.shortText)
            check.optional(custodian.location, at: "custodian.location", limit: RequestLimits.shortText)
        }

        // Emergencies: the facts showing the emergency, and always priority emergency.
        if kind == .emergencyDisclosure {
            if let priority, priority != .emergency {
                sink.add("priority", Message("reason.priority-emergency"))
            }
            if let emergency {
                check.required(emergency.facts, at: "emergency.facts", limit: RequestLimits.longText)
                check.required(emergency.dataRelevance, at: "emergency.data_relevance", limit: RequestLimits.longText)
            } else {
                sink.add("emergency", Message("reason.emergency-required"))
            }
        } else if emergency != nil {
            sink.add("emergency", Message("reason.emergency-only"))
        }
    }
}
