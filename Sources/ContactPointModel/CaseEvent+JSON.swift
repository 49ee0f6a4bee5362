extension CaseEvent {
    /// The event's payload as stored in the log (canonicalised there) and forwarded to partners.
    public var payload: JSONValue {
        switch self {
        case .submitted(let request): return ["request": request.json]
        case .delivered(let by): return ["by": .string(by)]
        case .acknowledged, .proceeded: return .object(JSONObject())
        case .preserved(let ref, let partial, let expiresAt):
            return ["provider_reference": .string(ref), "partial": .bool(partial), "expires_at": .string(expiresAt.rfc3339)]
        case .disclosed(let ref, let handedOver):
            return ["provider_reference": .string(ref), "handed_over": .string(handedOver)]
        case .noDataReported(let reason), .riskNotified(let reason), .withdrawn(let reason), .released(let reason):
            return ["reason": .string(reason)]
        case .refused(let ground, let reason):
            return ["ground": .string(ground.rawValue), "reason": .string(reason)]
        case .trafficDisclosed(let providers, let path):
            return ["service_providers": .array(providers.map { ["name": .string($0.name), "country": .string($0.country.code)] }),
                    "path_summary": .string(path)]
        case .extended(let expiresAt, let previous):
            return ["expires_at": .string(expiresAt.rfc3339), "previous_expires_at": .string(previous.rfc3339)]
        case .mlaLinked(let ref, let sentAt):
            return ["mla_reference": .string(ref), "sent_at": .string(sentAt.rfc3339)]
        case .expired(let expiresAt): return ["expires_at": .string(expiresAt.rfc3339)]
        case .escalated(let e):
            var o = JSONObject()
            o["deadline"] = .string(e.deadline.rawValue)
            o["due_at"] = .string(e.dueAt.rfc3339)
            o["level"] = .number(Double(e.level))
            o["notify"] = .array(e.notify.map(JSONValue.string))
            o["late_by_seconds"] = .number(Double(e.lateBy.seconds))
            if let cause = e.cause { o["cause"] = .string(cause) }  // absent otherwise: older events keep their bytes
            return .object(o)
        case .reminded(let expiresAt, let before):
            return ["expires_at": .string(expiresAt.rfc3339), "before": .string(before.description)]
        case .contentErased(let why, let reason), .partnerErased(let why, let reason):
            return ["why": .string(why), "reason": .string(reason)]
        }
    }

    /// Rebuilds an event from its stored type and payload; nil names what is wrong.
    public static func decode(type: String, payload: JSONValue) -> Result<CaseEvent, FieldProblems> {
        func fail(_ reason: String) -> Result<CaseEvent, FieldProblems> {
            .failure(FieldProblems([FieldProblem(field: type, reason: reason)]))
        }
        func str(_ k: String) -> String? { payload[k]?.stringValue }
        func time(_ k: String) -> Instant? { str(k).flatMap { Instant(rfc3339: $0) } }
        switch type {
        case "submitted":
            guard let body = payload["request"] else { return fail("missing request") }
            guard let id = body["id"]?.stringValue else { return fail("request without id") }
            return EvidenceRequest.decode(body, requireID: true, newID: { id }).map { .submitted($0) }
        case "delivered":
            guard let by = str("by") else { return fail("missing by") }
            return .success(.delivered(by: by))
        case "acknowledged": return .success(.acknowledged)
        case "proceeded": return .success(.proceeded)
        case "preserved":
            guard let ref = str("provider_reference"), let partial = payload["partial"]?.boolValue, let exp = time("expires_at")
            else { return fail("missing provider_reference, partial or expires_at") }
            return .success(.preserved(providerReference: ref, partial: partial, expiresAt: exp))
        case "disclosed":
            guard let ref = str("provider_reference"), let handedOver = str("handed_over") else {
                return fail("missing provider_reference or handed_over")
            }
            return .success(.disclosed(providerReference: ref, handedOver: handedOver))
        case "no-data-reported", "risk-notified", "withdrawn", "released":
            guard let reason = str("reason") else { return fail("missing reason") }
            switch type {
            case "no-data-reported": return .success(.noDataReported(reason: reason))
            case "risk-notified": return .success(.riskNotified(reason: reason))
            case "withdrawn": return .success(.withdrawn(reason: reason))
            default: return .success(.released(reason: reason))
            }
        case "refused":
            guard let g = str("ground").flatMap(RefusalGround.init(rawValue:)), let reason = str("reason")
            else { return fail("missing ground or reason") }
            return .success(.refused(ground: g, reason: reason))
        case "traffic-disclosed":
            guard let items = payload["service_providers"]?.arrayValue, let path = str("path_summary") else {
                return fail("missing service_providers or path_summary")
            }
            var providers: [ServiceProvider] = []
            for item in items {
                guard let name = item["name"]?.stringValue, let c = item["country"]?.stringValue.flatMap(CountryCode.init)
                else { return fail("bad service provider") }
                providers.append(ServiceProvider(name: name, country: c))
            }
            return .success(.trafficDisclosed(providers: providers, pathSummary: path))
        case "extended":
            guard let exp = time("expires_at"), let prev = time("previous_expires_at") else { return fail("missing expires_at") }
            return .success(.extended(expiresAt: exp, previous: prev))
        case "mla-linked":
            guard let ref = str("mla_reference"), let sent = time("sent_at") else { return fail("missing mla_reference or sent_at") }
            return .success(.mlaLinked(reference: ref, sentAt: sent))
        case "expired":
            guard let exp = time("expires_at") else { return fail("missing expires_at") }
            return .success(.expired(expiresAt: exp))
        case "escalated":
            guard let d = str("deadline").flatMap(DeadlineKind.init(rawValue:)), let due = time("due_at"),
                  let level = payload["level"]?.intValue, let notify = payload["notify"]?.arrayValue,
                  let late = payload["late_by_seconds"]?.intValue
            else { return fail("missing deadline, due_at, level, notify or late_by_seconds") }
            return .success(.escalated(Escalation(
                deadline: d, dueAt: due, level: level, notify: notify.compactMap(\.stringValue),
                lateBy: .seconds(Int64(late)), cause: payload["cause"]?.stringValue)))
        case "reminded":
            guard let exp = time("expires_at"), let before = str("before").flatMap(PolicyDuration.init(parsing:))
            else { return fail("missing expires_at or before") }
            return .success(.reminded(expiresAt: exp, before: before))
        case "content-erased", "partner-erased":
            guard let why = str("why"), ["retention", "order"].contains(why), let reason = str("reason")
            else { return fail("missing why (retention or order) or reason") }
            return .success(type == "content-erased" ? .contentErased(why: why, reason: reason) : .partnerErased(why: why, reason: reason))
        default:
            return fail("unknown event type")
        }
    }
}
