import AuditLog
import ContactPointModel
import Dispatch
import HTTP1

/// The audit log's routes (docs/audit.md, docs/api.md): the latest signed checkpoint with
/// its cosignatures, inclusion and consistency proofs, for officers, supervisors and partner
/// daemons; `add-checkpoint` (C2SP tlog-witness) and `witnessed` for partner daemons.
extension Router {
    func serveLog(_ template: String, _ request: HTTPRequest, _ caller: Caller, _ finish: @escaping @Sendable (HTTPResponse) -> Void) {
        guard let audit else { return finish(Self.problem(.unavailable("this daemon keeps no signed log"), request.language)) }
        switch template {
        case "/v1/log/checkpoint":
            audit.checkpointText { text in
                guard let text else {
                    return finish(Self.problem(.notFound("no checkpoint yet: the first is signed once the log has an event", field: "checkpoint"), request.language))
                }
                finish(Self.text(200, text))
            }
        case "/v1/log/inclusion":
            guard let (index, size) = Self.integers(request, "index", "size", finish) else { return }
            DispatchQueue.global().async { [desk] in
                do {
                    guard index < size, size <= (try desk.store.treeHead()).size else {
                        return finish(Self.problem(.invalid(FieldProblems([FieldProblem(field: "size", reason: "must be larger than index and at most the log's size")]), what: "the query"), request.language))
                    }
                    let proof = try desk.store.inclusionProof(index: index, size: size)
                    let root = try desk.store.rootHash(size: size)
                    finish(Self.json(200, ["index": .number(Double(index)), "size": .number(Double(size)), "root": .string(root.base64),
                                           "proof": .array(proof.map { .string($0.base64) })]))
                } catch {
                    finish(Self.problem(.storage("\(error)"), request.language))
                }
            }
        case "/v1/log/consistency":
            guard let (from, to) = Self.integers(request, "from", "to", finish) else { return }
            DispatchQueue.global().async { [desk] in
                do {
                    guard from <= to, to <= (try desk.store.treeHead()).size else {
                        return finish(Self.problem(.invalid(FieldProblems([FieldProblem(field: "to", reason: "must be at least from and at most the log's size")]), what: "the query"), request.language))
                    }
                    let proof = try desk.store.consistencyProof(from: from, to: to)
                    finish(Self.json(200, ["from": .number(Double(from)), "to": .number(Double(to)),
                                           "proof": .array(proof.map { .string($0.base64) })]))
                } catch {
                    finish(Self.problem(.storage("\(error)"), request.language))
                }
            }
        case "/v1/log/add-checkpoint":
            audit.addCheckpoint(request.body, from: caller) { answer in
                finish(HTTPResponse(status: answer.status, headers: HTTPHeaders([("Content-Type", answer.contentType)]), body: Array(answer.body.utf8)))
            }
        case "/v1/log/witnessed":
            guard !caller.daemonCodes.isEmpty || caller.has(.supervisor) else {
                return finish(Self.problem(.forbidden(Message("forbidden.witnessed"), field: "client_certificate"), request.language))
            }
            guard let origin = request.query["origin"], !origin.isEmpty else {
                return finish(Self.problem(.invalid(FieldProblems([FieldProblem(field: "origin", reason: "required: a log's origin, such as pocd.vn/contactpoint")]), what: "the query"), request.language))
            }
            audit.witnessed(origin: origin) { note in
                guard let note else { return finish(Self.problem(.notFound("this daemon has cosigned no checkpoint of \(origin)", field: "origin"), request.language)) }
                finish(Self.text(200, note))
            }
        default:
            finish(Self.problem(.notFound("no route \(request.path)", field: "path"), request.language))
        }
    }

    /// Two whole-number query parameters from 0, or a 422 naming each wrong one.
    static func integers(_ request: HTTPRequest, _ a: String, _ b: String, _ finish: (HTTPResponse) -> Void) -> (Int64, Int64)? {
        var problems = FieldProblems()
        var values: [Int64] = []
        for name in [a, b] {
            if let text = request.query[name], let n = Int64(text), n >= 0 { values.append(n) } else {
                problems.add(name, "required: a whole number from 0")
            }
        }
        for key in request.query.keys where key != a && key != b { problems.add(key, "unknown query parameter (\(a), \(b))") }
        guard problems.isEmpty, values.count == 2 else {
            finish(problem(.invalid(problems, what: "the query"), request.language))
            return nil
        }
        return (values[0], values[1])
    }

    static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: Array(text.utf8))
    }
}
