import AuditLog
import ContactPointModel
import ContactPointStore
import Dispatch
import HTTP1

/// Witnessing partners' logs: `POST /v1/log/add-checkpoint`, as C2SP tlog-witness
/// (docs/audit.md §5). One checkpoint at a time on `witnessQueue`: the check against the
/// last cosigned checkpoint of that origin and the storing of the new one are one step.
extension AuditService {
    /// What the witness answers: a status, and a plain-text body.
    struct WitnessAnswer: Sendable {
        var status: Int
        var contentType = "text/plain; charset=utf-8"
        var body: String
    }

    func addCheckpoint(_ body: [UInt8], from caller: Caller, reply: @escaping @Sendable (WitnessAnswer) -> Void) {
        witnessQueue.async { [self] in reply(witness(body, from: caller)) }
    }

    private func witness(_ body: [UInt8], from caller: Caller) -> WitnessAnswer {
        dispatchPrecondition(condition: .onQueue(witnessQueue))
        guard !caller.daemonCodes.isEmpty else {
            return WitnessAnswer(status: 403, body: "only partner daemons submit checkpoints\n")
        }
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(parsing: body) } catch {
            return WitnessAnswer(status: 400, body: "\(error)\n")
        }
        let offered = request.checkpoint
        guard let partner = settings.directory.witnesses.first(where: { $0.key.name == offered.origin }) else {
            return WitnessAnswer(status: 404, body: "no log key for \(offered.origin) in this daemon's directory\n")
        }
        guard caller.daemonCodes.contains(partner.code) else {
            return WitnessAnswer(status: 403, body: "\(caller.identity) does not host \(offered.origin)\n")
        }
        do { _ = try request.note.verify(with: [partner.key]) } catch {
            return WitnessAnswer(status: 403, body: "the checkpoint's signature does not verify with \(partner.key.name)'s log key: \(error)\n")
        }
        guard request.oldSize <= offered.size else {
            return WitnessAnswer(status: 400, body: "old size \(request.oldSize) is larger than the checkpoint's \(offered.size)\n")
        }
        let record: WitnessedCheckpoint?
        do { record = try store.witnessed(origin: offered.origin) } catch {
            return WitnessAnswer(status: 500, body: "\(error)\n")
        }
        let cosigned = record.flatMap { try? SignedNote(parsing: $0.note) }.flatMap { try? Checkpoint(body: $0.body) }
        let knownSize = cosigned?.size ?? 0
        if offered.size < knownSize {
            // Signed by the log, yet smaller than what was cosigned: a truncation or a fork.
            recordInconsistency(partner.code, origin: offered.origin, reason: "\(offered.origin) offered a checkpoint of \(offered.size) events after "
                                + "this daemon cosigned \(knownSize): its log was truncated or an older copy is running",
                                cosigned: record?.note ?? "", offered: request.note.text)
        }
        guard request.oldSize == knownSize else {
            return WitnessAnswer(status: 409, contentType: "text/x.tlog.size", body: "\(knownSize)\n")
        }
        if let cosigned {
            let consistent = offered.size == cosigned.size
                ? offered.root == cosigned.root
                : Merkle.verifyConsistency(from: cosigned.size, to: offered.size, fromRoot: cosigned.root, toRoot: offered.root, proof: request.proof)
            guard consistent else {
                recordInconsistency(partner.code, origin: offered.origin, reason: "\(offered.origin) offered a checkpoint of \(offered.size) events "
                                    + "that is not consistent with the one of \(cosigned.size) this daemon cosigned: its log was changed or forked",
                                    cosigned: record?.note ?? "", offered: request.note.text)
                return WitnessAnswer(status: 422, body: "the consistency proof from \(cosigned.size) to \(offered.size) does not verify\n")
            }
        } else {
            guard request.proof.isEmpty, offered.size > 0 || offered.root == Merkle.emptyRoot else {
                return WitnessAnswer(status: 422, body: "a first checkpoint takes no consistency proof\n")
            }
        }
        let line: String  // the cosignature line, its newline included
        do {
            let timestamp = UInt64(max(0, clock.now().millisecondsSince1970 / 1000))
            line = try Cosignature.sign(offered, timestamp: timestamp, name: origin, key: key).noteSignature.line
        } catch {
            return WitnessAnswer(status: 500, body: "cannot cosign: \(error)\n")
        }
        var batch = WriteBatch()
        batch.audit.witnessed = [WitnessedCheckpoint(origin: offered.origin, size: offered.size,
                                                     note: request.note.text + line, updatedAt: clock.now())]
        guard case .success = store.appendAndWait(batch) else {
            return WitnessAnswer(status: 500, body: "cannot store the cosigned checkpoint\n")
        }
        return WitnessAnswer(status: 200, body: line)
    }

    /// Keeps both checkpoints as proof and records a `log-inconsistent` event (its alert).
    private func recordInconsistency(_ partner: CountryCode, origin: String, reason: String, cosigned: String, offered: String) {
        dispatchPrecondition(condition: .onQueue(witnessQueue))
        // Once per cosigned checkpoint contradicted, and how: the partner asks again every
        // minute, and its log grows with the alert it records in turn.
        let how = reason.contains("truncated") ? "truncated" : "forked"
        guard witnessReported.insert("\(origin)|\(how)|\(cosigned)").inserted else { return }
        var batch = WriteBatch()
        batch.audit.evidence = [InconsistencyEvidence(origin: origin, reason: reason, cosigned: cosigned, offered: offered, at: clock.now())]
        _ = store.appendAndWait(batch)
        desk.recordLogEvent(type: "log-inconsistent", payload: [
            "origin": .string(origin), "partner": .string(partner.code), "witness": .string(self.origin), "reason": .string(reason),
            "cosigned": .string(cosigned), "offered": .string(offered),
        ])
    }

    /// The latest checkpoint of `origin` this daemon cosigned, with its cosignature
    /// (`GET /v1/log/witnessed?origin=`), for the log's own `pocd audit verify --witnesses`.
    func witnessed(origin: String, reply: @escaping @Sendable (String?) -> Void) {
        witnessQueue.async { [self] in reply((try? store.witnessed(origin: origin))??.note) }
    }
}
