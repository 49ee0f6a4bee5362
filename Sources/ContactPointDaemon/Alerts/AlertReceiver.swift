import ContactPointModel
import Foundation

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
    /// The zone of the times in those summaries (`time_zone:`, an IANA name; default UTC).
    public var timeZone: TimeZone? = nil

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
                var zone: TimeZone?
                if let text = x.string("time_zone", required: false) {
                    if let z = TimeZone(identifier: text) { zone = z } else {
                        x.problem("time_zone", "must be an IANA time zone such as Asia/Ho_Chi_Minh, Europe/Paris or UTC, not \"\(text)\"")
                    }
                }
                x.refuseUnknown(allowing: (kind == .webhook ? ["hmac_secret_file"] : []) + ["name", "url", "ca", "language", "time_zone"])
                if receivers.contains(where: { $0.name == name }) { x.problem("name", "\"\(name)\" is used twice") }
                receivers.append(AlertReceiver(name: name, kind: kind, url: url, caFile: ca, hmacSecretFile: secret, language: language,
                                               timeZone: zone))
            }
        }
        a.refuseUnknown(allowing: ["webhooks", "alertmanagers"])
        return receivers
    }
}
