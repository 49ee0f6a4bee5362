import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation
import Yams

/// `poc submit`: send a request to another contact point.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: Help.text("help.submit.abstract"),
        discussion: Help.discussion("help.submit.discussion", examples: [
            "poc submit Config/request.example.json",
            #"""
            poc submit --to DE --reference VN-A05-2026-0113 --priority urgent \
                --authority "Department of Cybersecurity" --offence "Computer fraud" --article UN-13 --article BUD-8 \
                --summary "Victims paid for goods never delivered" \
                --data "Subscriber and traffic data of x@example.org" --relation "received the proceeds" \
                --identifier email=x@example.org --custodian "Example Mail GmbH" \
                --necessity "data is deleted after 30 days"
            """#,
            "poc submit --from-disclosure 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e",
        ]))

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: .key("help.submit.file", valueName: "file"))
    var file: String?
    @Option(help: .key("help.submit.from-disclosure"))
    var fromDisclosure: String?
    @Option(help: .key("help.submit.from")) var from: String?
    @Option(help: .key("help.submit.to")) var to: String?
    @Option(help: .key("help.submit.kind")) var kind = "preservation"
    @Option(help: .key("help.common.priority")) var priority = "urgent"
    @Option(help: .key("help.submit.reference")) var reference: String?
    @Option(help: .key("help.submit.authority")) var authority: String?
    @Option(help: .key("help.submit.contact")) var contact: String?
    @Option(help: .key("help.submit.offence")) var offence: String?
    @Option(help: .key("help.submit.legal-provision")) var legalProvision: String?
    @Option(name: .customLong("article"),
            help: .key("help.submit.articles"))
    var articles: [String] = []
    @Option(help: .key("help.submit.summary")) var summary: String?
    @Option(help: .key("help.submit.data")) var data: String?
    @Option(help: .key("help.submit.relation")) var relation: String?
    @Option(help: .key("help.submit.identifier")) var identifier: [String] = []
    @Option(help: .key("help.submit.custodian")) var custodian: String?
    @Option(help: .key("help.submit.location")) var location: String?
    @Option(help: .key("help.submit.necessity")) var necessity: String?
    @Flag(help: .key("help.submit.no-mla"))
    var noMLA = false
    @Flag(help: .key("help.submit.confidential")) var confidential = false
    @Option(help: .key("help.submit.emergency-facts")) var emergencyFacts: String?
    @Option(help: .key("help.submit.data-relevance")) var dataRelevance: String?

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
            guard let view = response.json else { throw CLIError("poc.error.no-json", ["status": String(response.status)]) }
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
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("poc.error.cannot-read", ["path": path]) }
        let bytes = [UInt8](data)
        if let json = try? JSONParser.parse(bytes) { return json }
        do {
            guard let node = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) else { throw CLIError("poc.error.empty-file", ["path": path]) }
            return yamlToJSON(node)
        } catch let e as CLIError { throw e } catch {
            throw CLIError("poc.error.not-json-or-yaml", ["path": path, "reason": "\(error)"])
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
        guard let to else { throw CLIError("poc.error.no-request") }
        var from = self.from
        if from == nil {
            // Your own contact point: the daemon's queue says which one(s) you act for.
            let q = try client.queue([("limit", "1")]).orThrow().json
            let codes = q?["contact_points"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard codes.count == 1 else { throw CLIError(codes.isEmpty ? Message("poc.error.serve-none") : Message("poc.error.which-from", ["codes": .verbatim(codes.joined(separator: ", "))])) }
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
                    guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { throw CLIError("poc.error.identifier-pair", ["value": pair]) }
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
            throw CLIError("poc.error.no-third-country", ["id": id])
        }
        let target = to ?? countries[0]
        guard let draft = drafts.first(where: { $0["to"]?.stringValue == target }), var request = draft["request"]?.objectValue else {
            throw CLIError("poc.error.disclosure-names", ["countries": countries.joined(separator: ", "), "country": target])
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
