import AuditLog
import ContactPointModel

/// What the audit log stores besides the tree: checkpoints, cosignatures, witnessed
/// checkpoints of partners' logs, and the evidence of an inconsistency (docs/audit.md §3–5).
public struct AuditRecords: Sendable {
    public var checkpoints: [StoredCheckpoint] = []
    public var cosignatures: [StoredCosignature] = []
    /// The latest checkpoint cosigned of a partner's log (replaces the previous one).
    public var witnessed: [WitnessedCheckpoint] = []
    public var evidence: [InconsistencyEvidence] = []

    public init() {}

    var isEmpty: Bool { checkpoints.isEmpty && cosignatures.isEmpty && witnessed.isEmpty && evidence.isEmpty }
}

/// A checkpoint this daemon signed: the note (body and the log's signature line).
public struct StoredCheckpoint: Sendable, Hashable {
    public var size: Int64
    public var root: MerkleHash
    public var note: String
    public var issuedAt: Instant

    public init(size: Int64, root: MerkleHash, note: String, issuedAt: Instant) {
        self.size = size
        self.root = root
        self.note = note
        self.issuedAt = issuedAt
    }
}

/// A partner's cosignature line for the checkpoint of `size`.
public struct StoredCosignature: Sendable, Hashable {
    public var size: Int64
    /// The witness's key name (its origin).
    public var witness: String
    public var line: String
    public var receivedAt: Instant

    public init(size: Int64, witness: String, line: String, receivedAt: Instant) {
        self.size = size
        self.witness = witness
        self.line = line
        self.receivedAt = receivedAt
    }
}

/// The latest checkpoint of a partner's log that this daemon cosigned.
public struct WitnessedCheckpoint: Sendable, Hashable {
    public var origin: String
    public var size: Int64
    /// The partner's signed note, with this daemon's cosignature line appended.
    public var note: String
    public var updatedAt: Instant

    public init(origin: String, size: Int64, note: String, updatedAt: Instant) {
        self.origin = origin
        self.size = size
        self.note = note
        self.updatedAt = updatedAt
    }
}

/// Two checkpoints of one log that cannot both be true: kept as proof.
public struct InconsistencyEvidence: Sendable, Hashable {
    public var origin: String
    public var reason: String
    /// The checkpoint cosigned earlier.
    public var cosigned: String
    /// The checkpoint offered now.
    public var offered: String
    public var at: Instant

    public init(origin: String, reason: String, cosigned: String, offered: String, at: Instant) {
        self.origin = origin
        self.reason = reason
        self.cosigned = cosigned
        self.offered = offered
        self.at = at
    }
}

extension EventStore {
    func writeAuditRecords(_ batch: WriteBatch) throws(StoreError) {
        let a = batch.audit
        guard !a.isEmpty else { return }
        for c in a.checkpoints {
            let s = try writer.prepare("INSERT INTO checkpoints (size, root, note, issued_ms) VALUES (?, ?, ?, ?)")
            s.bind(1, c.size)
            s.bind(2, c.root.base64)
            s.bind(3, c.note)
            s.bind(4, c.issuedAt.millisecondsSince1970)
            try s.run()
        }
        for c in a.cosignatures {
            let s = try writer.prepare("""
                INSERT INTO cosignatures (size, witness, line, received_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, received_ms = excluded.received_ms
                """)
            s.bind(1, c.size)
            s.bind(2, c.witness)
            s.bind(3, c.line)
            s.bind(4, c.receivedAt.millisecondsSince1970)
            try s.run()
        }
        for w in a.witnessed {
            let s = try writer.prepare("""
                INSERT INTO witnessed (origin, size, note, updated_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT (origin) DO UPDATE SET size = excluded.size, note = excluded.note, updated_ms = excluded.updated_ms
                """)
            s.bind(1, w.origin)
            s.bind(2, w.size)
            s.bind(3, w.note)
            s.bind(4, w.updatedAt.millisecondsSince1970)
            try s.run()
        }
        for e in a.evidence {
            let s = try writer.prepare("INSERT INTO witness_evidence (origin, reason, cosigned, offered, at_ms) VALUES (?, ?, ?, ?, ?)")
            s.bind(1, e.origin)
            s.bind(2, e.reason)
            s.bind(3, e.cosigned)
            s.bind(4, e.offered)
            s.bind(5, e.at.millisecondsSince1970)
            try s.run()
        }
    }

    /// The latest checkpoint this daemon signed, if any.
    public func latestCheckpoint() throws(StoreError) -> StoredCheckpoint? {
        try checkpoints(limit: 1, newestFirst: true).first
    }

    /// Checkpoints, oldest first (or newest first), at most `limit`.
    public func checkpoints(limit: Int = Int.max, newestFirst: Bool = false) throws(StoreError) -> [StoredCheckpoint] {
        try onReader { () throws(StoreError) -> [StoredCheckpoint] in
            let s = try reader.prepare("SELECT size, root, note, issued_ms FROM checkpoints ORDER BY size \(newestFirst ? "DESC" : "ASC") LIMIT ?")
            defer { s.reset() }
            s.bind(1, Int64(min(limit, Int(Int64.max))))
            var out: [StoredCheckpoint] = []
            while try s.step() {
                guard let root = s.text(1).flatMap(MerkleHash.init(base64:)) else {
                    throw StoreError("checkpoint of size \(s.int64(0)): its root is not a base64 hash")
                }
                out.append(StoredCheckpoint(size: s.int64(0), root: root, note: s.text(2) ?? "",
                                            issuedAt: Instant(millisecondsSince1970: s.int64(3))))
            }
            return out
        }
    }

    /// The cosignature lines held for the checkpoint of `size`, by witness name.
    public func cosignatures(size: Int64) throws(StoreError) -> [StoredCosignature] {
        try onReader { () throws(StoreError) -> [StoredCosignature] in
            let s = try reader.prepare("SELECT size, witness, line, received_ms FROM cosignatures WHERE size = ? ORDER BY witness")
            defer { s.reset() }
            s.bind(1, size)
            var out: [StoredCosignature] = []
            while try s.step() {
                out.append(StoredCosignature(size: s.int64(0), witness: s.text(1) ?? "", line: s.text(2) ?? "",
                                             receivedAt: Instant(millisecondsSince1970: s.int64(3))))
            }
            return out
        }
    }

    /// The latest checkpoint this daemon cosigned of `origin`'s log.
    public func witnessed(origin: String) throws(StoreError) -> WitnessedCheckpoint? {
        try onReader { () throws(StoreError) -> WitnessedCheckpoint? in
            let s = try reader.prepare("SELECT origin, size, note, updated_ms FROM witnessed WHERE origin = ?")
            defer { s.reset() }
            s.bind(1, origin)
            guard try s.step() else { return nil }
            return WitnessedCheckpoint(origin: s.text(0) ?? "", size: s.int64(1), note: s.text(2) ?? "",
                                       updatedAt: Instant(millisecondsSince1970: s.int64(3)))
        }
    }

    /// The evidence of inconsistencies offered by `origin` (all origins when nil), oldest first.
    public func inconsistencyEvidence(origin: String? = nil) throws(StoreError) -> [InconsistencyEvidence] {
        try onReader { () throws(StoreError) -> [InconsistencyEvidence] in
            let s = try reader.prepare("""
                SELECT origin, reason, cosigned, offered, at_ms FROM witness_evidence
                WHERE ?1 IS NULL OR origin = ?1 ORDER BY id
                """)
            defer { s.reset() }
            s.bind(1, origin)
            var out: [InconsistencyEvidence] = []
            while try s.step() {
                out.append(InconsistencyEvidence(origin: s.text(0) ?? "", reason: s.text(1) ?? "", cosigned: s.text(2) ?? "",
                                                 offered: s.text(3) ?? "", at: Instant(millisecondsSince1970: s.int64(4))))
            }
            return out
        }
    }
}
