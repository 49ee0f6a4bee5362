import ContactPointModel
import Foundation
import TestSupport
import XCTest
import Yams
@testable import ContactPointDaemon

/// docs/api/openapi.yaml against the server: a route, an action, a request field, a problem
/// type or an enumeration value that one has and the other lacks fails here, so the document
/// cannot drift from the code unnoticed.
final class OpenAPIDocumentTests: XCTestCase {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    var document: [String: Any] = [:]

    override func setUpWithError() throws {
        let path = ProjectRoot.path("docs/api/openapi.yaml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        document = try XCTUnwrap(Self.mapping(try Yams.load(yaml: text)), "\(path) is not a YAML mapping")
        XCTAssertEqual(document["openapi"] as? String, "3.1.0")
    }

    // MARK: - Routes

    func testEveryRouteIsDocumentedAndEveryDocumentedOperationIsARoute() throws {
        let served = Set(Router.routes.map { "\($0.method) \($0.template)" })
        XCTAssertEqual(served.count, Router.routes.count, "Router.routes lists a route twice")
        let documented = try documentedOperations()
        XCTAssertEqual(Set(documented.map { "\($0.method) \($0.template)" }).count, documented.count)
        let documentedSet = Set(documented.map { "\($0.method) \($0.template)" })
        XCTAssertEqual(served.subtracting(documentedSet).sorted(), [], "served but not in docs/api/openapi.yaml")
        XCTAssertEqual(documentedSet.subtracting(served).sorted(), [], "in docs/api/openapi.yaml but not in Router.routes")
    }

    /// Each documented path, filled in with a UUID and each documented action, reaches its
    /// template through the router's own matcher, with its method allowed.
    func testEveryDocumentedPathIsMatchedByTheRouter() throws {
        let id = "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"
        for (method, template) in try documentedOperations() {
            let actions = try template.contains("{action}") ? actionEnum(at: template) : [""]
            for action in actions {
                let path = template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{action}", with: action)
                let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
                let (matched, allowed) = Router.match(parts)
                XCTAssertEqual(matched, template, "\(path) is routed to \(matched ?? "nothing")")
                XCTAssertTrue(allowed.contains(method), "\(method) \(path): the router allows \(allowed)")
            }
        }
    }

    // MARK: - Actions

    func testTheActionParameterListsEveryActionAndEveryActionHasABody() throws {
        let actions = Action.allCases.map(\.rawValue)
        var checked = 0
        for (_, template) in try documentedOperations() where template.contains("{action}") {
            XCTAssertEqual(try actionEnum(at: template), actions, "the action enum of \(template)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no documented path has an {action} parameter")

        let media = try XCTUnwrap(Self.mapping(node(document, "paths", "/v1/requests/{id}/{action}", "post", "requestBody", "content", "application/json")))
        let bodies = try XCTUnwrap(Self.mapping(media["x-body-by-action"]), "x-body-by-action is missing")
        XCTAssertEqual(Set(bodies.keys), Set(actions), "x-body-by-action must name a body schema for every action")
        let oneOf = Set((Self.sequence(Self.mapping(media["schema"])?["oneOf"]) ?? []).compactMap { Self.mapping($0)?["$ref"] as? String })
        for (action, ref) in bodies {
            let ref = try XCTUnwrap(ref as? String, action)
            XCTAssertNotNil(resolve(["$ref": ref]), "\(action): \(ref) does not resolve")
            XCTAssertTrue(oneOf.contains(ref), "\(action): \(ref) is not one of the body's oneOf")
        }
    }

    // MARK: - The request body

    /// The request schema's properties, nested ones included, are exactly the keys the
    /// encoder writes for a request with every optional part present.
    func testTheRequestSchemaHasExactlyTheFieldsTheEncoderWrites() throws {
        let example = try Data(contentsOf: URL(fileURLWithPath: ProjectRoot.path("Config/request.example.json")))
        var request = try EvidenceRequest.decode(Array(example), newID: { UUID().uuidString.lowercased() }).get()
        request.language = request.language ?? "en"
        request.authority = .init(name: request.authority?.name ?? "Authority", contact: request.authority?.contact ?? "duty@example.vn")
        request.offence = .init(description: request.offence?.description ?? "Computer fraud",
                                legalProvision: request.offence?.legalProvision ?? "Art. 290",
                                summary: request.offence?.summary ?? "facts",
                                conventionArticles: request.offence?.conventionArticles ?? [.un13])
        if request.data.isEmpty { request.data = [.init(description: "data", relationToOffence: "relation")] }
        request.data[0].relationToOffence = request.data[0].relationToOffence ?? "relation"
        request.data[0].identifiers = [.init(type: "email", value: "x@example.org")]
        request.data[0].period = .init(from: Instant(rfc3339: "2026-10-01T00:00:00Z")!, to: Instant(rfc3339: "2026-11-01T00:00:00Z")!)
        request.custodian = .init(name: request.custodian?.name ?? "Example Mail GmbH", location: request.custodian?.location ?? "DE")
        request.necessity = request.necessity ?? "necessity"
        request.mlaIntended = true
        request.emergency = .init(facts: "a threat to a named person", dataRelevance: "the account identifies the author")
        request.confidential = true
        request.extends = UUID().uuidString.lowercased()
        request.caseReference = "VN-CASE-7"
        request.attachments = [.init(name: "order.pdf", mediaType: "application/pdf", sha256: String(repeating: "ab", count: 32))]
        let written = Self.keyPaths(request.json, "")

        let submit = try XCTUnwrap(node(document, "paths", "/v1/requests", "post", "requestBody", "content", "application/json", "schema"))
        let documented = schemaPaths(submit, "")
        XCTAssertGreaterThan(written.count, 30, "the example request was not fully populated")
        XCTAssertEqual(written.subtracting(documented).sorted(), [], "written by EvidenceRequest.json but not documented")
        XCTAssertEqual(documented.subtracting(written).sorted(), [], "documented but never written by EvidenceRequest.json")

        // The stored request in a view is the same schema.
        let inView = try XCTUnwrap(node(document, "components", "schemas", "RequestView", "properties", "request"))
        XCTAssertEqual(schemaPaths(inView, ""), documented)
    }

    // MARK: - Problems

    func testEveryProblemSlugOfTheCodeIsDocumentedAndNoOther() throws {
        let enumValues = try XCTUnwrap(Self.sequence(node(document, "components", "schemas", "Problem", "properties", "type", "enum")))
        let prefix = "urn:contactpoint:problem:"
        let documented = Set(enumValues.compactMap { $0 as? String }.map { value -> String in
            XCTAssertTrue(value.hasPrefix(prefix), value)
            return String(value.dropFirst(prefix.count))
        })
        let used = try Self.slugsInSources()
        XCTAssertTrue(used.contains("validation-failed") && used.count >= 10, "the slug scan found only \(used.sorted())")
        XCTAssertEqual(used.subtracting(documented).sorted(), [], "problem slugs in Sources/ContactPointDaemon missing from the Problem schema")
        XCTAssertEqual(documented.subtracting(used).sorted(), [], "problem slugs documented but not in the code")
    }

    /// Every `slug:` argument in the daemon's sources: `slug: "x"` and `slug: cond ? "x" : "y"`.
    static func slugsInSources() throws -> Set<String> {
        let root = URL(fileURLWithPath: ProjectRoot.path("Sources/ContactPointDaemon"))
        let files = try XCTUnwrap(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        let argument = try NSRegularExpression(pattern: #"slug:\s*([^,)\n]*)"#)
        let literal = try NSRegularExpression(pattern: #""([a-z][a-z0-9-]*)""#)
        var slugs = Set<String>()
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in argument.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let expression = String(text[try XCTUnwrap(Range(m.range(at: 1), in: text))])
                for l in literal.matches(in: expression, range: NSRange(expression.startIndex..., in: expression)) {
                    slugs.insert(String(expression[try XCTUnwrap(Range(l.range(at: 1), in: expression))]))
                }
            }
        }
        return slugs
    }

    // MARK: - Enumerations

    func testEnumerationsMatchTheModel() throws {
        func documentedEnum(_ schema: String) throws -> [String] {
            try XCTUnwrap(Self.sequence(node(document, "components", "schemas", schema, "enum")), schema).compactMap { $0 as? String }
        }
        XCTAssertEqual(try documentedEnum("Action"), Action.allCases.map(\.rawValue))
        XCTAssertEqual(try documentedEnum("RequestState"), RequestState.allCases.map(\.rawValue))
        XCTAssertEqual(try documentedEnum("RequestKind"), RequestKind.allCases.map(\.rawValue))
        XCTAssertEqual(try documentedEnum("Priority"), Priority.allCases.map(\.rawValue))
        XCTAssertEqual(try documentedEnum("DeadlineKind"), DeadlineKind.allCases.map(\.rawValue))
        XCTAssertEqual(try documentedEnum("RefusalGround"), RefusalGround.allCases.map(\.rawValue))
        XCTAssertEqual(try documentedEnum("ConventionArticle"), ConventionArticle.allCases.map(\.rawValue))
    }

    // MARK: - Reading the document

    /// (method in upper case, path template) of every operation under `paths`.
    func documentedOperations() throws -> [(method: String, template: String)] {
        let paths = try XCTUnwrap(Self.mapping(document["paths"]), "no paths")
        var out: [(String, String)] = []
        for (template, item) in paths {
            let operations = try XCTUnwrap(Self.mapping(item), template)
            for key in operations.keys where Self.methods.contains(key) { out.append((key.uppercased(), template)) }
        }
        return out.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    /// The enum of the `action` path parameter of the operations at `template`.
    func actionEnum(at template: String) throws -> [String] {
        let item = try XCTUnwrap(Self.mapping(node(document, "paths", template)), template)
        var values: [String]?
        for (key, operation) in item where Self.methods.contains(key) {
            for parameter in Self.sequence(Self.mapping(operation)?["parameters"]) ?? [] {
                guard let p = resolve(parameter), p["name"] as? String == "action", p["in"] as? String == "path" else { continue }
                let schema = try XCTUnwrap(resolve(p["schema"]), "\(template): the action parameter has no schema")
                let list = try XCTUnwrap(Self.sequence(schema["enum"]), "\(template): the action parameter is not an enum")
                values = list.compactMap { $0 as? String }
            }
        }
        return try XCTUnwrap(values, "\(template) has no action path parameter")
    }

    /// Every property path of a schema (`data[].identifiers[].type`), following `$ref`s.
    func schemaPaths(_ schema: Any?, _ prefix: String, depth: Int = 0) -> Set<String> {
        guard depth < 20, let s = resolve(schema) else { return [] }
        var out = Set<String>()
        for (key, sub) in Self.mapping(s["properties"]) ?? [:] {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            out.insert(path)
            out.formUnion(schemaPaths(sub, path, depth: depth + 1))
        }
        if let items = s["items"] { out.formUnion(schemaPaths(items, prefix + "[]", depth: depth + 1)) }
        return out
    }

    /// Every key path of a JSON value, in the same notation.
    static func keyPaths(_ value: JSONValue, _ prefix: String) -> Set<String> {
        var out = Set<String>()
        switch value {
        case .object(let o):
            for (key, child) in o {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                out.insert(path)
                out.formUnion(keyPaths(child, path))
            }
        case .array(let a):
            for element in a { out.formUnion(keyPaths(element, prefix + "[]")) }
        default:
            break
        }
        return out
    }

    /// A mapping, with a local `$ref` (`#/components/...`) followed to its target.
    func resolve(_ value: Any?, depth: Int = 0) -> [String: Any]? {
        guard depth < 20, let m = Self.mapping(value) else { return nil }
        guard let ref = m["$ref"] as? String else { return m }
        guard ref.hasPrefix("#/") else { return nil }
        let keys = ref.dropFirst(2).split(separator: "/").map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        return resolve(node(document, keys), depth: depth + 1)
    }

    func node(_ root: Any?, _ keys: String...) -> Any? { node(root, keys) }

    func node(_ root: Any?, _ keys: [String]) -> Any? {
        var current = root
        for key in keys { current = Self.mapping(current)?[key] }
        return current
    }

    /// Yams gives mappings as `[AnyHashable: Any]` or `[String: Any]`; keys become strings.
    static func mapping(_ value: Any?) -> [String: Any]? {
        if let m = value as? [String: Any] { return m }
        if let m = value as? [AnyHashable: Any] {
            return Dictionary(m.map { ("\($0.key.base)", $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        return nil
    }

    static func sequence(_ value: Any?) -> [Any]? { value as? [Any] }
}
