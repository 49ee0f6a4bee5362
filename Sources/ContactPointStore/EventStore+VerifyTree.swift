import AuditLog
import ContactPointModel

/// What `pocd audit verify` found when it rebuilt the Merkle tree from the events and
/// checked it against the stored tree and the signed checkpoints (docs/audit.md §8).
public struct TreeVerification: Sendable, CustomStringConvertible {
    /// Events whose leaves were recomputed.
    public var leaves: Int64
    /// Checkpoints whose signature and root were checked.
    public var checkpoints: Int
    /// The latest checkpoint's size, if any.
    public var latestCheckpointSize: Int64?
    /// The first problem, if any.
    public var problem: String?

    public var isIntact: Bool { problem == nil }

    public var description: String {
        if let problem { return "BROKEN: \(problem)" }
        let latest = latestCheckpointSize.map { ", the latest at size \($0)" } ?? ""
        return "tree: \(leaves) leaves OK; \(checkpoints) signed checkpoint\(checkpoints == 1 ? "" : "s") agree with it\(latest)"
    }
}

extension EventStore {
    /// Recomputes every event's leaf from its canonical form and the tree over them, and
    /// checks: each leaf against the stored tree; each checkpoint's signature (with
    /// `logKey`) and its root against the recomputed tree at its size; that the log is not
    /// shorter than the latest checkpoint; the stored root at the full size. The first
    /// problem found is named. For audits: it reads the whole log once.
    public func verifyTree(logKey: VerifierKey?) throws -> TreeVerification {
        let checkpoints = try self.checkpoints()
        var result = TreeVerification(leaves: 0, checkpoints: 0, latestCheckpointSize: checkpoints.last?.size)
        var pending = checkpoints[...]
        var rebuilt = MerkleTreeState()
        func check(_ c: StoredCheckpoint) -> String? {
            guard let logKey else { return "checkpoint of size \(c.size): there is no log key to check its signature with (audit.log_key is missing)" }
            let note: SignedNote
            do { note = try SignedNote(parsing: c.note) } catch { return "checkpoint of size \(c.size): not a signed note (\(error))" }
            do { _ = try note.verify(with: [logKey]) } catch {
                return "checkpoint of size \(c.size): its signature does not verify with the log key \(logKey.name) (\(error))"
            }
            guard let body = try? Checkpoint(body: note.body), body.size == c.size, body.root == c.root, body.origin == logKey.name else {
                return "checkpoint of size \(c.size): its note does not say size \(c.size) and root \(c.root.base64) of \(logKey.name)"
            }
            guard rebuilt.root == c.root else {
                return "checkpoint of size \(c.size): the log's first \(c.size) events give root \(rebuilt.root.base64), "
                    + "not the signed \(c.root.base64): events before it were changed, or the log was rebuilt"
            }
            return nil
        }
        struct Stop: Error {}
        do {
            try onReader { () throws in
                let events = try reader.prepare("""
                    SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash, leaf
                    FROM events ORDER BY position
                    """)
                defer { events.reset() }
                let blocks = try reader.prepare("SELECT idx, hash FROM merkle_nodes WHERE level = ? ORDER BY idx")
                defer { blocks.reset() }
                blocks.bind(1, Int64(Self.storedLevel))
                let block = Int64(1) << Self.storedLevel
                var partial = MerkleTreeState()  // the current block of 16 leaves, to compare with its stored node
                while try events.step() {
                    let position = events.int64(0)
                    let event = (try? Self.row(events))?.event
                    let leaf = event.map { Merkle.leafHash($0.leafData) } ?? Merkle.leafHash([UInt8]("unreadable".utf8))
                    let name = "event \(position) (id \(event?.id ?? "?"), request \(event?.requestID ?? "?"))"
                    guard position == rebuilt.size + 1 else {
                        result.problem = "event \(rebuilt.size + 1) is missing from the log"
                        throw Stop()
                    }
                    if let stored = MerkleHash(bytes: events.blob(10)), stored != leaf {
                        result.problem = "\(name): its canonical form does not match the leaf written with it: it was changed after it was written"
                        throw Stop()
                    }
                    _ = rebuilt.append(leaf)
                    _ = partial.append(leaf)
                    result.leaves += 1
                    if rebuilt.size % block == 0 {
                        let index = rebuilt.size / block - 1
                        guard try blocks.step(), blocks.int64(0) == index, blocks.blob(1) == partial.root.bytes else {
                            result.problem = "events \(rebuilt.size - block + 1) to \(rebuilt.size): their canonical forms do not match the "
                                + "stored tree: one of them was changed after it was written"
                            throw Stop()
                        }
                        partial = MerkleTreeState()
                    }
                    while let c = pending.first, c.size == rebuilt.size {
                        pending.removeFirst()
                        if let problem = check(c) { result.problem = problem; throw Stop() }
                        result.checkpoints += 1
                    }
                }
            }
        } catch is Stop {
            return result
        }
        if let c = pending.first {
            result.problem = "the log has \(rebuilt.size) events but a checkpoint of size \(c.size) was signed at \(c.issuedAt.rfc3339): "
                + "events after \(rebuilt.size) were deleted"
            return result
        }
        for c in checkpoints where c.size == 0 {
            if let problem = check(c) { result.problem = problem; return result }
        }
        let head = try treeHead()
        if head.size != rebuilt.size || head.root != rebuilt.root {
            result.problem = "the stored tree (size \(head.size), root \(head.root.base64)) differs from the tree of the events "
                + "(size \(rebuilt.size), root \(rebuilt.root.base64))"
        }
        return result
    }
}
