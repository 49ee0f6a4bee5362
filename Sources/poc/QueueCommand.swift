import ArgumentParser
import ContactPointClient
import ContactPointModel
import Dispatch
import Foundation

/// `poc queue`: what your contact point must act on or is waiting for.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: Help.text("help.queue.abstract"),
        discussion: Help.discussion(examples: [
            "poc queue",
            "poc queue --overdue --direction incoming",
            "poc queue --priority emergency --json",
            "poc --lang ru queue --article UN-13",
        ]))

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: .key("help.queue.overdue")) var overdue = false
    @Option(help: .key("help.common.priority")) var priority: String?
    @Option(help: .key("help.queue.direction")) var direction: String?
    @Option(help: .key("help.queue.state")) var state: String?
    @Option(help: .key("help.queue.article")) var article: String?
    @Option(help: .key("help.queue.limit")) var limit: Int?

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            var query: [(String, String)] = []
            if overdue { query.append(("overdue", "true")) }
            if let priority { query.append(("priority", priority)) }
            if let direction { query.append(("direction", direction)) }
            if let state { query.append(("state", state)) }
            if let article { query.append(("article", article)) }
            if let limit { query.append(("limit", "\(limit)")) }
            let body = try client.queue(query).orThrow().json ?? .null
            if connection.json { Output.printJSON(body) } else { print(Output.queue(body)) }
        }
    }
}

/// `poc show ID`: one request, its deadlines and its full history.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.show.abstract"),
        discussion: Help.discussion(examples: ["poc show 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"]))

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let id = try client.resolveRequestID(self.id).orThrow()
            let body = try client.request(id).orThrow().json ?? .null
            if connection.json { Output.printJSON(body) } else { print(Output.request(body)) }
        }
    }
}

/// `poc alerts`: recent alerts, newest first.
struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.alerts.abstract"),
        discussion: Help.discussion(examples: ["poc alerts", "poc alerts --since 2026-11-23T00:00:00Z"]))

    @OptionGroup var connection: ConnectionOptions
    @Option(help: .key("help.alerts.since")) var since: String?

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body = try client.alerts(since.map { [("since", $0)] } ?? []).orThrow().json ?? .null
            if connection.json { return Output.printJSON(body) }
            let list = body["alerts"]?.arrayValue ?? []
            if list.isEmpty { print(Output.t("poc.alerts.none")) }
            for a in list { print(Output.alert(a)) }
        }
    }
}

/// `poc health`: is the daemon up, how many open and overdue.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.health.abstract"),
        discussion: Help.discussion(examples: ["poc health"]))

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body = try client.health().orThrow().json ?? .null
            if connection.json { return Output.printJSON(body) }
            let parked = body["outbox_parked"]?.intValue ?? 0
            print(Output.t("poc.health", ["status": body["status"]?.stringValue ?? "?", "open": String(body["open"]?.intValue ?? 0),
                                          "overdue": String(body["overdue"]?.intValue ?? 0), "outbox": String(body["outbox_depth"]?.intValue ?? 0)])
                  + (parked > 0 ? Output.t("poc.health.parked", count: parked) : ""))
        }
    }
}

/// `poc watch`: follow the alert stream.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.watch.abstract"),
        discussion: Help.discussion(examples: ["poc watch", "poc watch --after 1200"]))

    @OptionGroup var connection: ConnectionOptions
    @Option(help: .key("help.watch.after")) var after: String?

    nonisolated(unsafe) static var running: (AlertWatch, [DispatchSourceSignal])?

    func run() throws {
        try runReporting {
            let client = try connection.client()
            let json = connection.json
            let stderr = FileHandle.standardError
            let watch = client.watch(after: after, onAlert: { alert, _ in
                print(json ? alert.serializedString() : Output.alert(alert))
                fflush(nil)
            }, onState: { state in
                stderr.write(Data("poc watch: \(state)\n".utf8))
            })
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            let sources = [Int32]([SIGINT, SIGTERM]).map { sig -> DispatchSourceSignal in
                let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                s.setEventHandler {
                    watch.cancel()
                    client.close()
                    Foundation.exit(0)
                }
                s.resume()
                return s
            }
            Watch.running = (watch, sources)  // kept for the life of the process
            dispatchMain()
        }
    }
}
