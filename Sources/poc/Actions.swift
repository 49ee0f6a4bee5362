import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation

/// What every action subcommand shares: the id, and printing the new state.
protocol ActionCommand: ParsableCommand {
    static var action: Action { get }
    var connection: ConnectionOptions { get }
    var id: String { get }
    func body() throws -> JSONValue
}

extension ActionCommand {
    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body = try body()  // options are checked before anything is asked of the daemon
            let id = try client.resolveRequestID(self.id).orThrow()
            let view = try client.act(id, Self.action, body: body.serialized()).orThrow().json ?? .null
            if connection.json { return Output.printJSON(view) }
            print("\(Self.action.rawValue): " + Output.t("poc.action.done", ["reference": view["reference"]?.stringValue ?? "", "state": view["state"]?.stringValue ?? ""]))
            for d in view["deadlines"]?.arrayValue ?? [] {
                print("  \(d["kind"]?.stringValue ?? "") due \(Output.time(d["due_at"]?.stringValue)) (owed by \(d["owed_by"]?.stringValue ?? ""))")
            }
        }
    }
}

struct Acknowledge: ActionCommand {
    static let action = Action.acknowledge
    static let configuration = CommandConfiguration(
        abstract: "Requested side: a person has taken the request.",
        discussion: "Example:\n  poc acknowledge 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    func body() -> JSONValue { [:] }
}

struct Preserve: ActionCommand {
    static let action = Action.preserve
    static let configuration = CommandConfiguration(
        abstract: "Requested side: the data is preserved (at least 60 days).",
        discussion: "Example:\n  poc preserve 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e --provider-reference EM-4471")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "The provider's reference for the preservation.") var providerReference: String
    @Flag(help: "Only part of the data could be preserved.") var partial = false
    @Option(help: "Preserved until this RFC 3339 time (at least 60 days from now).") var preservedUntil: String?
    func body() -> JSONValue {
        var o = JSONObject()
        o["provider_reference"] = .string(providerReference)
        if partial { o["partial"] = true }
        o["preserved_until"] = preservedUntil.map(JSONValue.string)
        return .object(o)
    }
}

struct ReportNoData: ActionCommand {
    static let action = Action.reportNoData
    static let configuration = CommandConfiguration(
        commandName: "report-no-data", abstract: "Requested side: there is nothing to preserve; ends the request.",
        discussion: "Example:\n  poc report-no-data ID --reason \"account deleted in 2024\"")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "Why.") var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}

struct Refuse: ActionCommand {
    static let action = Action.refuse
    static let configuration = CommandConfiguration(
        abstract: "Requested side: refuse on a treaty ground.",
        discussion: """
            Grounds: political-offence, sovereignty, security, public-order, essential-interests, dual-criminality
            (dual-criminality only where your State reserved it: reservations in the directory).

            Example:
              poc refuse ID --ground political-offence --reason "the offence is of a political character"
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "The treaty ground.") var ground: String
    @Option(help: "Why.") var reason: String
    func body() -> JSONValue { ["ground": .string(ground), "reason": .string(reason)] }
}

struct NotifyRisk: ActionCommand {
    static let action = Action.notifyRisk
    static let configuration = CommandConfiguration(
        commandName: "notify-risk",
        abstract: "Requested side: preservation will not ensure availability or would threaten confidentiality; the requesting side must proceed or withdraw.",
        discussion: "Example:\n  poc notify-risk ID --reason \"the provider notifies its users of every preservation\"")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "Why.") var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}

struct DiscloseTraffic: ActionCommand {
    static let action = Action.discloseTraffic
    static let configuration = CommandConfiguration(
        commandName: "disclose-traffic",
        abstract: "Requested side (Art. 43): traffic data show a service provider in a third country.",
        discussion: """
            Example:
              poc disclose-traffic ID --provider "Relay Networks Inc=US" --path "mail relayed via relay.example.com"
            The requesting side then submits the linked request with: poc submit --from-disclosure ID
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "NAME=COUNTRY of a provider on the path (repeatable).") var provider: [String]
    @Option(help: "The path of the communication.") var path: String
    func body() throws -> JSONValue {
        let providers = try provider.map { p -> JSONValue in
            guard let eq = p.lastIndex(of: "=") else { throw CLIError("--provider wants NAME=COUNTRY, got \(p)") }
            return ["name": .string(String(p[..<eq])), "country": .string(String(p[p.index(after: eq)...]))]
        }
        return ["service_providers": .array(providers), "path_summary": .string(path)]
    }
}

struct Proceed: ActionCommand {
    static let action = Action.proceed
    static let configuration = CommandConfiguration(
        abstract: "Requesting side: after a risk notice, have the request executed anyway.",
        discussion: "Example:\n  poc proceed ID")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    func body() -> JSONValue { [:] }
}

struct Extend: ActionCommand {
    static let action = Action.extend
    static let configuration = CommandConfiguration(
        abstract: "Requesting side: keep the preservation longer; reminders are rescheduled.",
        discussion: "Examples:\n  poc extend ID --days 30\n  poc extend ID --until 2027-03-01T00:00:00Z")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "Extend by this many days.") var days: Int?
    @Option(help: "Extend until this RFC 3339 time.") var until: String?
    func validate() throws {
        if days != nil && until != nil { throw ValidationError("give --days or --until, not both") }
        if days == nil && until == nil { throw ValidationError("give --days N or --until TIME") }
    }
    func body() throws -> JSONValue {
        if let days { return ["days": .number(Double(days))] }
        return ["until": .string(until ?? "")]
    }
}

struct LinkMLA: ActionCommand {
    static let action = Action.linkMLA
    static let configuration = CommandConfiguration(
        commandName: "link-mla",
        abstract: "Requesting side: the MLA request was sent; the data stays preserved with no expiry until release.",
        discussion: "Example:\n  poc link-mla ID --mla-reference MLA-2026-0419 --sent-at 2026-11-30T09:00:00Z")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "The MLA request's reference.") var mlaReference: String
    @Option(help: "When it was sent (RFC 3339; default now).") var sentAt: String?
    func body() -> JSONValue {
        ["mla_reference": .string(mlaReference), "sent_at": .string(sentAt ?? Instant.now().rfc3339)]
    }
}

struct Withdraw: ActionCommand {
    static let action = Action.withdraw
    static let configuration = CommandConfiguration(
        abstract: "Requesting side: withdraw the request; ends it.",
        discussion: "Example:\n  poc withdraw ID --reason \"suspect identified by other means\"")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "Why.") var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}

struct Disclose: ActionCommand {
    static let action = Action.disclose
    static let configuration = CommandConfiguration(
        abstract: "Requested side, emergency disclosure: the data were provided (ends the request).",
        discussion: "Example:\n  poc disclose ID --provider-reference EM-DISC-7 --handed-over \"encrypted archive to duty@example.vn, key by phone\"")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "The provider's reference for the disclosure.") var providerReference: String
    @Option(help: "How the data were handed over (channel, to whom, protection).") var handedOver: String
    func body() -> JSONValue { ["provider_reference": .string(providerReference), "handed_over": .string(handedOver)] }
}

struct Release: ActionCommand {
    static let action = Action.release
    static let configuration = CommandConfiguration(
        abstract: "Requested side: the preservation ends (MLA decided, or no longer needed).",
        discussion: "Example:\n  poc release ID --reason \"MLA request executed\"")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String
    @Option(help: "Why.") var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}
