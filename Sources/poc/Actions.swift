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
                print("  " + Output.t("poc.action.deadline", ["kind": d["kind"]?.stringValue ?? "", "time": Output.time(d["due_at"]?.stringValue),
                                                           "owner": d["owed_by"]?.stringValue ?? ""]))
            }
        }
    }
}

struct Acknowledge: ActionCommand {
    static let action = Action.acknowledge
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.acknowledge.abstract"),
        discussion: Help.discussion(examples: ["poc acknowledge 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    func body() -> JSONValue { [:] }
}

struct Preserve: ActionCommand {
    static let action = Action.preserve
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.preserve.abstract"),
        discussion: Help.discussion(examples: ["poc preserve 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e --provider-reference EM-4471"]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.preserve.provider-reference")) var providerReference: String
    @Flag(help: .key("help.preserve.partial")) var partial = false
    @Option(help: .key("help.preserve.preserved-until")) var preservedUntil: String?
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
        commandName: "report-no-data", abstract: Help.text("help.report-no-data.abstract"),
        discussion: Help.discussion(examples: ["poc report-no-data ID --reason \"account deleted in 2024\""]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.common.reason")) var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}

struct Refuse: ActionCommand {
    static let action = Action.refuse
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.refuse.abstract"),
        discussion: Help.discussion("help.refuse.discussion", examples: [
            "poc refuse ID --ground political-offence --reason \"the offence is of a political character\"",
        ]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.refuse.ground")) var ground: String
    @Option(help: .key("help.common.reason")) var reason: String
    func body() -> JSONValue { ["ground": .string(ground), "reason": .string(reason)] }
}

struct NotifyRisk: ActionCommand {
    static let action = Action.notifyRisk
    static let configuration = CommandConfiguration(
        commandName: "notify-risk",
        abstract: Help.text("help.notify-risk.abstract"),
        discussion: Help.discussion(examples: ["poc notify-risk ID --reason \"the provider notifies its users of every preservation\""]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.common.reason")) var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}

struct DiscloseTraffic: ActionCommand {
    static let action = Action.discloseTraffic
    static let configuration = CommandConfiguration(
        commandName: "disclose-traffic",
        abstract: Help.text("help.disclose-traffic.abstract"),
        discussion: Help.discussion("help.disclose-traffic.discussion", examples: [
            "poc disclose-traffic ID --provider \"Relay Networks Inc=US\" --path \"mail relayed via relay.example.com\"",
        ]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.disclose-traffic.provider")) var provider: [String]
    @Option(help: .key("help.disclose-traffic.path")) var path: String
    func body() throws -> JSONValue {
        let providers = try provider.map { p -> JSONValue in
            guard let eq = p.lastIndex(of: "=") else { throw CLIError("poc.error.provider-pair", ["value": p]) }
            return ["name": .string(String(p[..<eq])), "country": .string(String(p[p.index(after: eq)...]))]
        }
        return ["service_providers": .array(providers), "path_summary": .string(path)]
    }
}

struct Proceed: ActionCommand {
    static let action = Action.proceed
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.proceed.abstract"),
        discussion: Help.discussion(examples: ["poc proceed ID"]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    func body() -> JSONValue { [:] }
}

struct Extend: ActionCommand {
    static let action = Action.extend
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.extend.abstract"),
        discussion: Help.discussion(examples: ["poc extend ID --days 30", "poc extend ID --until 2027-03-01T00:00:00Z"]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.extend.days")) var days: Int?
    @Option(help: .key("help.extend.until")) var until: String?
    func validate() throws {
        if days != nil && until != nil { throw ValidationError(Help.text("poc.error.days-and-until")) }
        if days == nil && until == nil { throw ValidationError(Help.text("poc.error.days-or-until")) }
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
        abstract: Help.text("help.link-mla.abstract"),
        discussion: Help.discussion(examples: ["poc link-mla ID --mla-reference MLA-2026-0419 --sent-at 2026-11-30T09:00:00Z"]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.link-mla.mla-reference")) var mlaReference: String
    @Option(help: .key("help.link-mla.sent-at")) var sentAt: String?
    func body() -> JSONValue {
        ["mla_reference": .string(mlaReference), "sent_at": .string(sentAt ?? Instant.now().rfc3339)]
    }
}

struct Withdraw: ActionCommand {
    static let action = Action.withdraw
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.withdraw.abstract"),
        discussion: Help.discussion(examples: ["poc withdraw ID --reason \"suspect identified by other means\""]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.common.reason")) var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}

struct Disclose: ActionCommand {
    static let action = Action.disclose
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.disclose.abstract"),
        discussion: Help.discussion(examples: ["poc disclose ID --provider-reference EM-DISC-7 --handed-over \"encrypted archive to duty@example.vn, key by phone\""]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.disclose.provider-reference")) var providerReference: String
    @Option(help: .key("help.disclose.handed-over")) var handedOver: String
    func body() -> JSONValue { ["provider_reference": .string(providerReference), "handed_over": .string(handedOver)] }
}

struct Release: ActionCommand {
    static let action = Action.release
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.release.abstract"),
        discussion: Help.discussion(examples: ["poc release ID --reason \"MLA request executed\""]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.common.reason")) var reason: String
    func body() -> JSONValue { ["reason": .string(reason)] }
}
