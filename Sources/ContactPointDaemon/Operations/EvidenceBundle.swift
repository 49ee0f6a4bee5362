import AuditLog
import ContactPointModel
import ContactPointStore

/// A request's evidence bundle (docs/audit.md §6): its events in canonical form, their
/// inclusion proofs, the latest checkpoint that covers them with its signature and the
/// partners' cosignatures, and the public keys — nothing of any other request.
struct EvidenceBundle {
    var json: JSONValue
    var events: Int
    var size: Int64
    var cosignatures: Int

    static func make(requestID: String, store: EventStore, logKey: VerifierKey, directory: Directory) throws -> EvidenceBundle {
        let history = try store.history(of: requestID)
        guard let last = history.last?.position else { throw StoreError("no request \(requestID) in this log") }
        guard let checkpoint = try store.latestCheckpoint() else {
            throw StoreError("no checkpoint yet: the daemon signs one within audit.checkpoint_interval of the last event")
        }
        guard checkpoint.size >= last else {
            throw StoreError("the latest checkpoint (\(checkpoint.size) events) does not cover the request's last event "
                             + "(position \(last)) yet: the daemon signs one within audit.checkpoint_interval; try again")
        }
        let cosignatures = try store.cosignatures(size: checkpoint.size)
        var events: [JSONValue] = []
        for e in history {
            let proof = try store.inclusionProof(index: e.position - 1, size: checkpoint.size)
            events.append([
                "index": .number(Double(e.position - 1)),
                "leaf": .string(String(decoding: e.event.leafData, as: UTF8.self)),
                "inclusion_proof": .array(proof.map { .string($0.base64) }),
            ])
        }
        let witnessKeys = directory.witnesses.compactMap { w in
            (try? VerifierKey(name: w.key.name, type: .cosignatureV1, publicKey: w.key.publicKey)).map { JSONValue.string("\($0)") }
        }
        let json: JSONValue = [
            "format": "contactpoint-evidence-bundle/1",
            "origin": .string(logKey.name),
            "log_key": .string("\(logKey)"),
            "witness_keys": .array(witnessKeys),
            "checkpoint": .string(checkpoint.note + cosignatures.map { $0.line + "\n" }.joined()),
            "request_id": .string(requestID),
            "events": .array(events),
        ]
        return EvidenceBundle(json: json, events: history.count, size: checkpoint.size, cosignatures: cosignatures.count)
    }
}
