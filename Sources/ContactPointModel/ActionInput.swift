/// A treaty ground for refusing a request (UN arts. 40, 42(5); Budapest arts. 27(4), 29(5)).
public enum RefusalGround: String, Sendable, Hashable, CaseIterable {
    case politicalOffence = "political-offence"
    case sovereignty
    case security
    case publicOrder = "public-order"
    case essentialInterests = "essential-interests"
    /// Only where the requested State reserved dual criminality for preservation.
    case dualCriminality = "dual-criminality"
}

/// A provider in a third State found while preserving traffic data (UN art. 43; Budapest art. 30).
public struct ServiceProvider: Sendable, Hashable {
    public var name: String
    public var country: CountryCode
    public init(name: String, country: CountryCode) { self.name = name; self.country = country }
}

/// How `extend` moves the expiry: to a date, or by a number of days.
public enum Extension: Sendable, Hashable {
    case until(Instant)
    case days(Int)
}

/// One action with the fields of its body, decoded and checked (API.md "Actions").
public enum ActionInput: Sendable, Hashable {
    case acknowledge
    case preserve(providerReference: String, partial: Bool, preservedUntil: Instant?)
    case reportNoData(reason: String)
    case refuse(ground: RefusalGround, reason: String)
    case notifyRisk(reason: String)
    case discloseTraffic(providers: [ServiceProvider], pathSummary: String)
    case proceed
    case extend(Extension)
    case linkMLA(reference: String, sentAt: Instant)
    case withdraw(reason: String)
    case release(reason: String)
    case disclose(providerReference: String, handedOver: String)

    /// The action this input is for.
    public var action: Action {
        switch self {
        case .acknowledge: return .acknowledge
        case .preserve: return .preserve
        case .reportNoData: return .reportNoData
        case .refuse: return .refuse
        case .notifyRisk: return .notifyRisk
        case .discloseTraffic: return .discloseTraffic
        case .proceed: return .proceed
        case .extend: return .extend
        case .linkMLA: return .linkMLA
        case .withdraw: return .withdraw
        case .release: return .release
        case .disclose: return .disclose
        }
    }

    /// Decodes the body of `POST /v1/requests/{id}/{action}`. An empty body is `{}`.
    /// Every problem is reported at once; unknown fields are refused.
    public static func decode(_ action: Action, body: [UInt8]) -> Result<ActionInput, FieldProblems> {
        let value: JSONValue
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            value = .object(JSONObject())
        } else {
            do { value = try JSONParser.parse(body) } catch {
                return .failure(FieldProblems([FieldProblem(field: "", reason: error.description)]))
            }
        }
        return decode(action, value)
    }

    /// Decodes an action body already parsed.
    public static func decode(_ action: Action, _ value: JSONValue) -> Result<ActionInput, FieldProblems> {
        let sink = ProblemSink()
        guard let r = ObjectReader.root(value, problems: sink) else { return .failure(sink.problems) }
        let check = TextCheck(sink: sink)
        func reason() -> String {
            let text = r.string("reason")
            check.required(text, at: "reason", limit: RequestLimits.longText)
            return text ?? ""
        }
        var input: ActionInput
        switch action {
        case .acknowledge: input = .acknowledge
        case .proceed: input = .proceed
        case .preserve:
            let ref = r.string("provider_reference")
            check.required(ref, at: "provider_reference", limit: RequestLimits.shortText, multiline: false)
            input = .preserve(providerReference: ref ?? "", partial: r.bool("partial") ?? false,
                              preservedUntil: r.instant("preserved_until"))
        case .reportNoData: input = .reportNoData(reason: reason())
        case .notifyRisk: input = .notifyRisk(reason: reason())
        case .withdraw: input = .withdraw(reason: reason())
        case .release: input = .release(reason: reason())
        case .refuse:
            let groundText = r.string("ground")
            var ground = RefusalGround.essentialInterests
            if let groundText {
                if let g = RefusalGround(rawValue: groundText) { ground = g } else {
                    r.problem("ground", Message("reason.ground-one-of", ["values": .verbatim(RefusalGround.allCases.map(\.rawValue).joined(separator: ", "))]))
                }
            } else {
                r.problem("ground", Message("reason.required"))
            }
            input = .refuse(ground: ground, reason: reason())
        case .discloseTraffic:
            var providers: [ServiceProvider] = []
            if let items = r.array("service_providers") {
                if items.isEmpty { r.problem("service_providers", Message("reason.providers-required")) }
                for item in items {
                    guard let pr = r.element(item) else { continue }
                    let name = pr.string("name")
                    check.required(name, at: pr.fieldPath("name"), limit: RequestLimits.shortText, multiline: false)
                    let country = check.country(pr.string("country"), at: pr.fieldPath("country"))
                    pr.refuseUnknown()
                    if let name, let country { providers.append(ServiceProvider(name: name, country: country)) }
                }
            } else {
                r.problem("service_providers", Message("reason.required"))
            }
            let path = r.string("path_summary")
            check.required(path, at: "path_summary", limit: RequestLimits.longText)
            input = .discloseTraffic(providers: providers, pathSummary: path ?? "")
        case .extend:
            let until = r.instant("until")
            let days = r.integer("days")
            let hasUntil = r.has("until"), hasDays = r.has("days")
            if hasUntil == hasDays {
                r.problem(hasUntil ? "days" : "until", Message(hasUntil ? "reason.extend-both" : "reason.extend-required"))
            }
            if let days, !(1...3650).contains(days) { r.problem("days", Message("reason.days-range", ["min": .verbatim("1"), "max": .verbatim("3650")])) }
            input = .extend(until.map(Extension.until) ?? .days(days ?? 0))
        case .disclose:
            let ref = r.string("provider_reference")
            check.required(ref, at: "provider_reference", limit: RequestLimits.shortText, multiline: false)
            let handedOver = r.string("handed_over")
            check.required(handedOver, at: "handed_over", limit: RequestLimits.longText)
            input = .disclose(providerReference: ref ?? "", handedOver: handedOver ?? "")
        case .linkMLA:
            let ref = r.string("mla_reference")
            check.required(ref, at: "mla_reference", limit: RequestLimits.shortText, multiline: false)
            let sentAt = r.instant("sent_at")
            if !r.has("sent_at") { r.problem("sent_at", Message("reason.required")) }
            input = .linkMLA(reference: ref ?? "", sentAt: sentAt ?? Instant(millisecondsSince1970: 0))
        }
        r.refuseUnknown()
        guard sink.isEmpty else { return .failure(sink.problems) }
        return .success(input)
    }
}
