import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation
import Yams

/// `poc submit`: send a request to another contact point.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a request from a JSON or YAML file, or from flags for the common fields.",
        discussion: """
            Prints the id and the deadlines. The daemon checks the treaty's mandatory content \
            and lists every missing or wrong field at once.

            Examples:
              poc submit Config/request.example.json
              poc submit --to DE --reference VN-A05-2026-0113 --priority urgent \\
                --authority "Department of Cybersecurity" --offence "Computer fraud" --article UN-13 --article BUD-8 \\
                --summary "Victims paid for goods never delivered" \\
                --data "Subscriber and traffic data of x@example.org" --relation "received the proceeds" \\
                --identifier email=x@example.org --custodian "Example Mail GmbH" \\
                --necessity "data is deleted after 30 days"
              poc submit --from-disclosure 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("A request as JSON or YAML (see Config/request.example.json).", valueName: "file"))
    var file: String?
    @Option(help: "The earlier request whose traffic disclosure named a provider in a third country (Art. 43): submit the linked request there.")
    var fromDisclosure: String?
    @Option(help: "Requesting contact point (default: yours, when you serve one).") var from: String?
    @Option(help: "Requested contact point, ISO 3166-1 alpha-2 (DE, US, ...).") var to: String?
    @Option(help: "preservation, traffic-disclosure, emergency-disclosure or assistance.") var kind = "preservation"
    @Option(help: "emergency, urgent or routine.") var priority = "urgent"
    @Option(help: "Your reference for the case.") var reference: String?
    @Option(help: "The authority seeking preservation.") var authority: String?
    @Option(help: "How to reach that authority.") var contact: String?
    @Option(help: "The offence under investigation.") var offence: String?
    @Option(help: "The legal provision.") var legalProvision: String?
    @Option(name: .customLong("article"),
            help: "A convention article the offence falls under (repeatable; required for preservation): UN-7 … UN-17, BUD-2 … BUD-10.")
    var articles: [String] = []
    @Option(help: "A brief summary of the facts.") var summary: String?
    @Option(help: "The stored data to preserve.") var data: String?
    @Option(help: "How that data relates to the offence.") var relation: String?
    @Option(help: "TYPE=VALUE identifying the data (repeatable): email=x@example.org, ipv4=198.51.100.7.") var identifier: [String] = []
    @Option(help: "The custodian of the data (provider).") var custodian: String?
    @Option(help: "Where the computer system is.") var location: String?
    @Option(help: "Why preservation is necessary.") var necessity: String?
    @Flag(help: "Do not state the intent to send an MLA request (the daemon refuses a preservation request without it).")
    var noMLA = false
    @Flag(help: "Ask that the user not be notified.") var confidential = false
    @Option(help: "Facts showing the emergency (emergency-disclosure).") var emergencyFacts: String?
    @Option(help: "How the data relate to the emergency.") var dataRelevance: String?

    func run() throws {
        try runReporting {
            let client = try connection.client()
            defer { client.close() }
            let body: JSONValue
            if let fromDisclosure {
                body = try linkedRequest(client, fromDisclosure)
            } else if let file {
                body = try Self.load(file)
            } else {
                body = try fromFlags(client)
            }
            // Always with an id of ours: a retry (ours, or the transport's) can never store it twice.
            let (result, _, retried) = client.submitIdempotently(body)
            let response = try result.orThrow()
            guard let view = response.json else { throw CLIError("the daemon answered \(response.status) without JSON") }
            if connection.json { return Output.printJSON(view) }
            let verb = response.status == 201 || retried ? "submitted" : "already submitted (identical; nothing changed)"
            print("\(verb): \(view["id"]?.stringValue ?? "")  \(view["reference"]?.stringValue ?? "")  \(view["from"]?.stringValue ?? "") → \(view["to"]?.stringValue ?? "")")
            print("state: \(view["state"]?.stringValue ?? "")")
            for d in view["deadlines"]?.arrayValue ?? [] {
                print("  \(d["kind"]?.stringValue ?? "") due \(Output.time(d["due_at"]?.stringValue)) (owed by \(d["owed_by"]?.stringValue ?? ""))")
            }
        }
    }

    /// JSON, or YAML turned into the same JSON.
    static func load(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        let bytes = [UInt8](data)
        if let json = try? JSONParser.parse(bytes) { return json }
        do {
            guard let node = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) else { throw CLIError("\(path) is empty") }
            return yamlToJSON(node)
        } catch let e as CLIError { throw e } catch {
            throw CLIError("\(path) is neither JSON nor YAML: \(error)")
        }
    }

    static func yamlToJSON(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let m):
            return .object(JSONObject(m.map { (k, v) in (k.scalar?.string ?? "", yamlToJSON(v)) }))
        case .sequence(let s):
            return .array(s.map(yamlToJSON))
        case .scalar(let s):
            if s.style == .plain {
                if s.string == "true" { return .bool(true) }
                if s.string == "false" { return .bool(false) }
                if s.string == "null" || s.string == "~" { return .null }
                if let i = Int(s.string) { return .number(Double(i)) }
            }
            return .string(s.string)
        case .alias:
            return .null
        }
    }

    func fromFlags(_ client: ContactPointClient) throws -> JSONValue {
        guard let to else { throw CLIError("give a request file, or at least --to and the request's fields (see poc submit --help)") }
        var from = self.from
        if from == nil {
            // Your own contact point: the daemon's queue says which one(s) you act for.
            let q = try client.queue([("limit", "1")]).orThrow().json
            let codes = q?["contact_points"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard codes.count == 1 else { throw CLIError("you act for \(codes.isEmpty ? "no contact point" : codes.joined(separator: ", ")); say which with --from") }
            from = codes[0]
        }
        var o = JSONObject()
        o["reference"] = reference.map(JSONValue.string)
        o["from"] = from.map(JSONValue.string)
        o["to"] = .string(to)
        o["kind"] = .string(kind)
        o["priority"] = .string(priority)
        if authority != nil || contact != nil { o["authority"] = (["name": authority.map(JSONValue.string) ?? nil, "contact": contact.map(JSONValue.string) ?? nil] as JSONValue).compacted }
        if offence != nil || summary != nil || legalProvision != nil || !articles.isEmpty {
            o["offence"] = (["description": offence.map(JSONValue.string) ?? nil, "legal_provision": legalProvision.map(JSONValue.string) ?? nil,
                            "summary": summary.map(JSONValue.string) ?? nil,
                            "convention_articles": articles.isEmpty ? nil : .array(articles.map(JSONValue.string))] as JSONValue).compacted
        }
        if data != nil || relation != nil || !identifier.isEmpty {
            var item = JSONObject()
            item["description"] = data.map(JSONValue.string)
            item["relation_to_offence"] = relation.map(JSONValue.string)
            if !identifier.isEmpty {
                item["identifiers"] = .array(try identifier.map { pair in
                    guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { throw CLIError("--identifier wants TYPE=VALUE, got \(pair)") }
                    return ["type": .string(String(pair[..<eq])), "value": .string(String(pair[pair.index(after: eq)...]))]
                })
            }
            o["data"] = .array([.object(item)])
        }
        if custodian != nil || location != nil {
            o["custodian"] = (["name": custodian.map(JSONValue.string) ?? nil, "location": location.map(JSONValue.string) ?? nil] as JSONValue).compacted
        }
        o["necessity"] = necessity.map(JSONValue.string)
        if kind == "preservation" || kind == "traffic-disclosure" { o["mla_intended"] = .bool(!noMLA) }
        if confidential { o["confidential"] = true }
        if emergencyFacts != nil || dataRelevance != nil {
            o["emergency"] = (["facts": emergencyFacts.map(JSONValue.string) ?? nil, "data_relevance": dataRelevance.map(JSONValue.string) ?? nil] as JSONValue).compacted
        }
        return .object(o)
    }

    /// Art. 43 follow-on: the request the daemon prepared for the third country a traffic
    /// disclosure named (`follow_on_drafts` of the request's view), to `--to` when it names
    /// several; `--reference` and `--necessity` replace the prepared ones.
    func linkedRequest(_ client: ContactPointClient, _ id: String) throws -> JSONValue {
        let id = try client.resolveRequestID(id).orThrow()
        let view = try client.request(id).orThrow().json ?? .null
        let drafts = view["follow_on_drafts"]?.arrayValue ?? []
        let countries = drafts.compactMap { $0["to"]?.stringValue }
        guard !countries.isEmpty else {
            throw CLIError("request \(id) has no traffic disclosure naming a provider in a third country (disclose-traffic)")
        }
        let target = to ?? countries[0]
        guard let draft = drafts.first(where: { $0["to"]?.stringValue == target }), var request = draft["request"]?.objectValue else {
            throw CLIError("the disclosure names \(countries.joined(separator: ", ")), not \(target)")
        }
        if let reference { request["reference"] = .string(reference) }
        if let necessity { request["necessity"] = .string(necessity) }
        return .object(request)
    }
}

extension JSONValue {
    /// An object without its null members.
    var compacted: JSONValue {
        guard case .object(let o) = self else { return self }
        return .object(JSONObject(o.members.filter { $0.value != .null }.map { ($0.key, $0.value) }))
    }
}
