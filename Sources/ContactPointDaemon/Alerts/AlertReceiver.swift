import ContactPointModel

/// Somewhere alerts are pushed besides the log and the SSE stream (`alerts:` in pocd.yaml):
/// a webhook that takes a JSON POST, or an Alertmanager (`POST /api/v2/alerts`).
public struct AlertReceiver: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case webhook
        case alertmanager
    }

    public var name: String
    public var kind: Kind
    /// `https://host:port/path` (for Alertmanager, the base: `/api/v2/alerts` is appended).
    public var url: String
    /// CA bundle that signs the receiver's certificate; the daemon's `client_ca` by default.
    public var caFile: String?
    /// File holding the HMAC-SHA256 key for the `X-ContactPoint-Signature` header (webhooks).
    public var hmacSecretFile: String?
    /// The language of the alerts' summaries it gets (`language:`, default en).
    public var language: Language = .en

    /// Reads `alerts: {webhooks: [...], alertmanagers: [...]}`.
    static func load(_ r: YAMLReader, resolve: (String) -> String) -> [AlertReceiver] {
        guard let a = r.mapping("alerts", required: false) else { return [] }
        var receivers: [AlertReceiver] = []
        for (key, kind) in [("webhooks", Kind.webhook), ("alertmanagers", Kind.alertmanager)] {
            guard let list = a.sequence(key, required: false) else { continue }
            for (i, node) in list.enumerated() {
                guard let x = a.child(node, key: "\(key)[\(i)]") else { continue }
                let name = x.string("name", required: true) ?? ""
                let url = x.string("url", required: true) ?? ""
                if !url.isEmpty, !url.hasPrefix("https://") {
                    x.problem("url", "must be an https:// URL (the daemon pushes over mutual TLS), not \"\(url)\"")
                }
                let ca = x.string("ca", required: false).map(resolve)
                let secret = kind == .webhook ? x.string("hmac_secret_file", required: false).map(resolve) : nil
                var language = Language.en
                if let text = x.string("language", required: false) {
                    if let l = Language(rawValue: text) { language = l } else {
                        x.problem("language", "must be one of \(Language.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
                    }
                }
                x.refuseUnknown(allowing: kind == .webhook ? ["name", "url", "ca", "hmac_secret_file", "language"] : ["name", "url", "ca", "language"])
                if receivers.contains(where: { $0.name == name }) { x.problem("name", "\"\(name)\" is used twice") }
                receivers.append(AlertReceiver(name: name, kind: kind, url: url, caFile: ca, hmacSecretFile: secret, language: language))
            }
        }
        a.refuseUnknown(allowing: ["webhooks", "alertmanagers"])
        return receivers
    }
}
