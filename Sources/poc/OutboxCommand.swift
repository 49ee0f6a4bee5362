import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation

/// `poc outbox`: what waits to go out to partners and alert receivers, what a receiver
/// refused for good (parked), and a supervisor's retry or drop of a parked message.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: Help.text("help.outbox.abstract"),
        discussion: Help.discussion("help.outbox.discussion", examples: [
            "poc outbox --parked",
            "poc outbox retry 42 --reason \"DE fixed its directory; confirmed by phone\"",
            "poc outbox drop 42 --reason \"request withdrawn; DE informed by phone\"",
        ]),
        subcommands: [List.self, Retry.self, Drop.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: Help.text("help.outbox-list.abstract"),
            discussion: Help.discussion(examples: ["poc outbox", "poc outbox --parked --json"]))

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: .key("help.outbox-list.parked")) var parked = false
        @Flag(help: .key("help.outbox-list.waiting")) var waiting = false

        func run() throws {
            try runReporting {
                if parked && waiting { throw CLIError("poc.error.parked-and-waiting") }
                let client = try connection.client()
                defer { client.close() }
                let query = parked ? "?state=parked" : waiting ? "?state=waiting" : ""
                let body = try client.call("GET", "/v1/outbox" + query).orThrow().json ?? .null
                if connection.json { return Output.printJSON(body) }
                let messages = body["messages"]?.arrayValue ?? []
                guard !messages.isEmpty else { return print(Output.t(parked ? "poc.outbox.none-parked" : "poc.outbox.empty")) }
                let rows = messages.map { m -> [String] in
                    [m["id"]?.intValue.map(String.init) ?? "", m["state"]?.stringValue ?? "", m["kind"]?.stringValue ?? "",
                     m["destination"]?.stringValue ?? "", m["request_id"]?.stringValue.map { String($0.prefix(8)) } ?? "",
                     "\(m["attempts"]?.intValue ?? 0)", String((m["last_error"]?.stringValue ?? "").prefix(60))]
                }
                print(Output.table(["ID", "STATE", "KIND", "TO", "REQUEST", "TRIES", "LAST ERROR"], rows,
                                   highlight: messages.map { $0["state"] == "parked" }))
            }
        }
    }

    /// The message and the supervisor's reason, for `retry` and `drop`.
    struct Decision: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: .key("help.outbox-decision.id")) var id: Int64
        @Option(help: .key("help.outbox-decision.reason")) var reason: String
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Help.text("help.outbox-retry.abstract"),
            discussion: Help.discussion(examples: ["poc outbox retry 42 --reason \"DE fixed its directory; confirmed by phone\""]))
        @OptionGroup var decision: Decision
        func run() throws { try OutboxCommand.resolve(decision, "retry") }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Help.text("help.outbox-drop.abstract"),
            discussion: Help.discussion(examples: ["poc outbox drop 42 --reason \"request withdrawn; DE informed by phone\""]))
        @OptionGroup var decision: Decision
        func run() throws { try OutboxCommand.resolve(decision, "drop") }
    }

    static func resolve(_ decision: Decision, _ operation: String) throws {
        let (connection, id, reason) = (decision.connection, decision.id, decision.reason)
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body: JSONValue = ["reason": .string(reason)]
            let m = try client.call("POST", "/v1/outbox/\(id)/\(operation)", json: body.serialized()).orThrow().json ?? .null
            if connection.json { return Output.printJSON(m) }
            print("message \(id): \(m["state"]?.stringValue ?? "?") — \(m["resolution"]?.stringValue ?? "")")
        }
    }
}
