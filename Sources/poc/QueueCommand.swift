import ArgumentParser
import ContactPointClient
import ContactPointModel
import Dispatch
import Foundation

/// `poc queue`: what your contact point must act on or is waiting for.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "List open requests by next deadline; overdue rows are highlighted.",
        discussion: """
            Examples:
              poc queue
              poc queue --overdue --direction incoming
              poc queue --priority emergency --json
            """)

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Only requests with a missed deadline.") var overdue = false
    @Option(help: "emergency, urgent or routine.") var priority: String?
    @Option(help: "incoming (you must act) or outgoing (you are waiting).") var direction: String?
    @Option(help: "Only requests in this state (delivered, acknowledged, preserved, ...).") var state: String?
    @Option(help: "Only requests classified under this convention article (UN-7 … UN-17, BUD-2 … BUD-10).") var article: String?
    @Option(help: "At most this many rows.") var limit: Int?

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
        abstract: "Show a request, its deadlines and its full history.",
        discussion: "Example:\n  poc show 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id, or enough of its first characters to name one request (2f1c7e3a).") var id: String

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
        abstract: "List recent alerts (escalations, reminders, expiries), newest first.",
        discussion: "Examples:\n  poc alerts\n  poc alerts --since 2026-11-23T00:00:00Z")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only alerts at or after this RFC 3339 time.") var since: String?

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body = try client.alerts(since.map { [("since", $0)] } ?? []).orThrow().json ?? .null
            if connection.json { return Output.printJSON(body) }
            let list = body["alerts"]?.arrayValue ?? []
            if list.isEmpty { print("no alerts") }
            for a in list { print(Output.alert(a)) }
        }
    }
}

/// `poc health`: is the daemon up, how many open and overdue.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the daemon whether it is up, and how many requests are open and overdue.",
        discussion: "Example:\n  poc health")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body = try client.health().orThrow().json ?? .null
            if connection.json { return Output.printJSON(body) }
            print("\(body["status"]?.stringValue ?? "?"): \(body["open"]?.intValue ?? 0) open, \(body["overdue"]?.intValue ?? 0) overdue, outbox \(body["outbox_depth"]?.intValue ?? 0)"
                  + ((body["outbox_parked"]?.intValue ?? 0) > 0 ? ", \(body["outbox_parked"]?.intValue ?? 0) PARKED (poc outbox --parked)" : ""))
        }
    }
}

/// `poc watch`: follow the alert stream.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow alerts as they happen; reconnects (with Last-Event-ID) when the daemon restarts. Ctrl-C to stop.",
        discussion: "Examples:\n  poc watch\n  poc watch --after 1200     # also replay alerts after id 1200")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Replay the alerts after this id first.") var after: String?

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
