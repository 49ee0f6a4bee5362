import ContactPointModel
import HTTP1

/// What became of one delivery attempt, and so what the outbox does next.
enum DeliveryOutcome: Equatable {
    /// 2xx: the receiver has it.
    case delivered
    /// A network or TLS error, a 5xx, 408 Request Timeout or 429 Too Many Requests (or
    /// anything else not a refusal): try again after a backoff.
    case retry(String)
    /// Any other 4xx: the receiver refuses this message, and sending it again will not
    /// change its mind. Park it for a supervisor.
    case refused(String)
    /// This daemon cannot send it: its data key does not unwrap with the master keys in force,
    /// its sealed body does not open, or it has no route. Retrying changes nothing until an
    /// operator fixes the cause, and as the head of its destination's line it would hold every
    /// later message to that partner: park it for a supervisor, as a refusal.
    case unsendable(String)

    init(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        switch result {
        case .success(let response):
            self = Self.classify(status: response.status, detail: Self.detail(status: response.status, body: response.body))
        case .failure(let error):
            self = .retry(error.description)
        }
    }

    /// What is kept of a receiver's answer (in the outbox's last error, the logs and an
    /// escalation's cause, which is in clear in the signed log): the status, and of a problem
    /// document its type, title and the fields it names, never its free text, which may quote
    /// the request's content back (docs/privacy.md §1).
    static func detail(status: Int, body: [UInt8]) -> String {
        guard let problem = (try? JSONParser.parse(body))?.objectValue else {
            return body.isEmpty ? "HTTP \(status)" : "HTTP \(status) (a \(body.count)-byte body that is not a problem document)"
        }
        var text = "HTTP \(status)"
        if let type = problem["type"]?.stringValue { text += " \(type.split(separator: ":").last.map(String.init) ?? type)" }
        if let title = problem["title"]?.stringValue { text += ": \(title.prefix(80))" }
        let fields = (problem["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }.prefix(10)
        if !fields.isEmpty { text += " (fields: \(fields.map { String($0.prefix(60)) }.joined(separator: ", ")))" }
        return text
    }

    static func classify(status: Int, detail: String) -> DeliveryOutcome {
        switch status {
        case 200..<300: return .delivered
        case 408, 429: return .retry(detail)
        case 400..<500: return .refused(detail)
        default: return .retry(detail)
        }
    }
}
