/// Art. 43 (Budapest art. 30): when the requested side's disclosure of traffic data shows the
/// communication passed through a service provider in a third State, the requesting side asks
/// that State in turn. The daemon prepares that request from the first one, so the dashboard
/// and `poc submit --from-disclosure` send the same draft (docs/api.md, "follow_on_drafts").
extension EvidenceRequest {
    /// The requests to send after `providers` were disclosed by `disclosedBy`, one per country
    /// that is neither party to this request, in the order the disclosure names them: a copy
    /// of this request, linked to it (`extends`), addressed to that country, its custodian the
    /// providers there and its necessity the disclosure's path. Without an id (the sender's
    /// client makes one, so a retry stores one request).
    public func followOns(providers: [ServiceProvider], pathSummary: String, disclosedBy: CountryCode) -> [EvidenceRequest] {
        var countries: [CountryCode] = []
        for p in providers where p.country != from && p.country != to && !countries.contains(p.country) {
            countries.append(p.country)
        }
        return countries.map { country in
            let named = providers.filter { $0.country == country }.map(\.name)
            var draft = self
            draft.id = ""
            draft.to = country
            draft.extends = id
            draft.reference = String((reference + "-" + country.code).prefix(RequestLimits.reference))
            draft.custodian = Custodian(name: Self.clipped(named.joined(separator: ", "), RequestLimits.shortText), location: country.code)
            draft.necessity = Self.clipped("Traffic data disclosed by \(disclosedBy.code) under Art. 43 (Budapest art. 30) show the "
                + "communication passed through \(named.joined(separator: ", ")) in \(country.code): \(pathSummary)", RequestLimits.longText)
            return draft
        }
    }

    /// `text` cut to `limit` characters (Unicode scalars, as the limits count), so a draft is valid as it stands.
    static func clipped(_ text: String, _ limit: Int) -> String {
        text.unicodeScalars.count <= limit ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit)))
    }
}
