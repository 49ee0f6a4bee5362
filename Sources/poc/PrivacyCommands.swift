import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation

/// `poc erase ID --reason R`: a supervisor erases a request's content on a legal order.
struct Erase: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.erase.abstract"),
        discussion: Help.discussion("help.erase.discussion", examples: [
            "poc erase 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e --reason \"order 2026/114 of the Hanoi People's Court\"",
        ]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String
    @Option(help: .key("help.erase.reason")) var reason: String

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body: JSONValue = ["reason": .string(reason)]
            let id = try client.resolveRequestID(self.id).orThrow()
            let view = try client.call("POST", "/v1/requests/\(id)/erase", json: body.serialized()).orThrow().json ?? .null
            if connection.json { return Output.printJSON(view) }
            let erased = view["content_erased"]
            print("erased: the content of \(view["reference"]?.stringValue ?? id) is gone "
                  + "(at \(erased?["at"]?.stringValue ?? "?"), \(erased?["why"]?.stringValue ?? "order"))")
        }
    }
}

/// `poc access-log ID`: who was shown a request's content.
struct AccessLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-log",
        abstract: Help.text("help.access-log.abstract"),
        discussion: Help.discussion(examples: ["poc access-log 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"]))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.common.id")) var id: String

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let id = try client.resolveRequestID(self.id).orThrow()
            let body = try client.call("GET", "/v1/requests/\(id)/access-log").orThrow().json ?? .null
            if connection.json { return Output.printJSON(body) }
            let items = body["items"]?.arrayValue ?? []
            if items.isEmpty { print(Output.t("poc.access-log.empty")) }
            for i in items {
                print("\(i["at"]?.stringValue ?? "")  \(i["identity"]?.stringValue ?? "")  \(i["via"]?.stringValue ?? "")")
            }
        }
    }
}
