import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation

/// `poc outbox`: what waits to go out to partners and alert receivers, what a receiver
/// refused for good (parked), and a supervisor's retry or drop of a parked message.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List outbound messages waiting or parked; retry or drop a parked one (supervisors).",
        discussion: """
            A message a partner or receiver refused for good (a 4xx answer) is parked: it is not \
            retried until a supervisor decides. Fix the cause with the partner first.

            Examples:
              poc outbox --parked
              poc outbox retry 42 --reason "DE fixed its directory; confirmed by phone"
              poc outbox drop 42 --reason "request withdrawn; DE informed by phone"
            """,
        subcommands: [List.self, Retry.self, Drop.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List outbound messages not yet delivered, oldest first (the default).",
            discussion: "Examples:\n  poc outbox\n  poc outbox --parked --json")

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Only messages parked after a permanent refusal.") var parked = false
        @Flag(help: "Only messages waiting for their next attempt.") var waiting = false

        func run() throws {
            try runReporting {
                if parked && waiting { throw CLIError("--parked and --waiting exclude each other; give neither for both") }
                let client = try connection.client()
                defer { client.close() }
                let query = parked ? "?state=parked" : waiting ? "?state=waiting" : ""
                let body = try client.call("GET", "/v1/outbox" + query).orThrow().json ?? .null
                if connection.json { return Output.printJSON(body) }
                let messages = body["messages"]?.arrayValue ?? []
                guard !messages.isEmpty else { return print(parked ? "no parked messages" : "the outbox is empty") }
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
        @Argument(help: "The message id (poc outbox).") var id: Int64
        @Option(help: "Why (kept with the message and logged).") var reason: String
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a parked message again, now.",
            discussion: "Example:\n  poc outbox retry 42 --reason \"DE fixed its directory; confirmed by phone\"")
        @OptionGroup var decision: Decision
        func run() throws { try OutboxCommand.resolve(decision, "retry") }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give up a parked message: it is never sent.",
            discussion: "Example:\n  poc outbox drop 42 --reason \"request withdrawn; DE informed by phone\"")
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
