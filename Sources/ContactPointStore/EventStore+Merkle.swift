import AuditLog
import CSQLite
import ContactPointModel

/// The Merkle tree over the log (docs/audit.md §1–2). Each event's leaf is the JCS form of
/// its envelope; its leaf hash is kept in its row, and complete subtrees of 16 leaves and
/// more in `merkle_nodes`, in the same transaction as the event.
extension NewEvent {
    /// The event's canonical form, its leaf data (docs/audit.md §1): JCS of
    /// `{actor, at, id, payload, request_id, sequence, type}`.
    public var leafData: [UInt8] { leafData(payloadJCS: nil) }

    /// The leaf data, with the payload's JCS bytes when the caller has them already.
    ///
    /// It is the hash chain's envelope around the payload's JCS bytes: the envelope has the
    /// same members in the same (JCS) order, its strings escaped as JCS escapes them and its
    /// sequence a plain integer, so the two forms differ only in how the payload is written.
    func leafData(payloadJCS: [UInt8]?) -> [UInt8] {
        canonicalEnvelope(payload: payloadJCS ?? payload.jcsBytes())
    }
}

/// Complete-subtree hashes read through one connection (the writer's or the reader's).
///
/// Only subtrees of 2^`storedLevel` leaves and more are stored (one row per 16 events and
/// fewer above): a smaller one is folded from the leaf hashes of its events — each event's
/// row holds its own (`leaf`), or, for an event written before the tree existed, it is
/// computed from the event. So an event costs no extra row, and a proof reads at most 16
/// leaves per level below 4 and one row per level above.
struct StoredNodes: MerkleNodeStore {
    let db: any SQLConnection

    func node(level: Int, index: Int64) throws -> MerkleHash {
        if level >= EventStore.storedLevel {
            let s = try db.prepare("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
            defer { s.reset() }
            s.bind(1, Int64(level))
            s.bind(2, index)
            guard try s.step(), let hash = MerkleHash(bytes: s.blob(0)) else {
                throw StoreError("the Merkle tree has no node at level \(level), index \(index): the store is incomplete or was edited")
            }
            return hash
        }
        let first = index << level + 1, count = Int64(1) << level
        var hashes = try leaves(from: first, count: count)
        while hashes.count > 1 {
            hashes = stride(from: 0, to: hashes.count, by: 2).map { Merkle.nodeHash(hashes[$0], hashes[$0 + 1]) }
        }
        guard let root = hashes.first else { throw StoreError("no events at \(first)") }
        return root
    }

    /// The leaf hashes of events `first ..< first + count`, in order.
    func leaves(from first: Int64, count: Int64) throws -> [MerkleHash] {
        let s = try db.prepare("""
            SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash, leaf
            FROM events WHERE position >= ? AND position < ? ORDER BY position
            """)
        defer { s.reset() }
        s.bind(1, first)
        s.bind(2, first + count)
        var out: [MerkleHash] = []
        out.reserveCapacity(Int(count))
        while try s.step() {
            guard s.int64(0) == first + Int64(out.count) else { throw StoreError("event \(first + Int64(out.count)) is missing from the log") }
            if let stored = MerkleHash(bytes: s.blob(10)) {
                out.append(stored)
            } else {
                out.append(Merkle.leafHash(try EventStore.row(s).event.leafData))
            }
        }
        guard out.count == Int(count) else { throw StoreError("event \(first + Int64(out.count)) is missing from the log") }
        return out
    }
}

extension EventStore {
    /// Complete subtrees from this level up are stored; smaller ones are folded from leaves.
    static let storedLevel = 4

    /// An event's leaf hash, computing its leaf data from the chain's canonical payload bytes
    /// when they are already JCS (every payload the daemon writes: integers, ASCII names).
    static func leafHash(of event: NewEvent, canonicalPayload: [UInt8]) -> MerkleHash {
        let jcs = event.payload.canonicalIsJCS ? canonicalPayload : nil
        return Merkle.leafHash(event.leafData(payloadJCS: jcs))
    }

    /// Rebuilds the tree's right edge at open and gives the tree the events written before it
    /// existed (schema 3), in transactions of 10,000 events. A tree larger than the log, or a
    /// stored subtree beyond its last event, means events were deleted: the store refuses.
    func openTree() throws(StoreError) {
        let size = try treeSizeOn(writer)
        // How far the stored subtrees reach: the last node of each level, one index probe per
        // level (a scan of the table would read a row per 8 events at every start).
        var reach: Int64 = 0
        let last = try writer.prepare("SELECT max(idx) FROM merkle_nodes WHERE level = ?")
        for level in Int64(Self.storedLevel)...62 {
            last.reset()
            last.bind(1, level)
            guard try last.step(), !last.isNull(0) else { continue }  // every level: rows left behind by a deletion count too
            reach = max(reach, (last.int64(0) + 1) << level)
        }
        last.reset()
        if size > lastPosition || reach > lastPosition {
            let gone = max(size, reach)
            throw StoreError(code: StoreError.truncated, "\(path): the Merkle tree covers \(gone) events but the log has only \(lastPosition): "
                             + "events \(lastPosition + 1) to \(gone) were deleted")
        }
        do { tree = try MerkleTreeState(size: size, store: StoredNodes(db: writer)) } catch {
            throw StoreError("cannot read the Merkle tree of \(path): \(error)")
        }
        var next = size + 1
        while next <= lastPosition {
            try writer.execute(writer.dialect.beginWrite)
            try catchUpWithOtherWriters()
            do throws(StoreError) {
                let read = try writer.prepare("""
                    SELECT position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash
                    FROM events WHERE position >= ? ORDER BY position LIMIT 10000
                    """)
                read.bind(1, next)
                var events: [StoredEvent] = []
                while try read.step() { events.append(try Self.row(read)) }
                read.reset()
                for e in events {
                    guard e.position == tree.size + 1 else {
                        throw StoreError(code: StoreError.truncated, "\(path): event \(tree.size + 1) is missing from the log")
                    }
                    try appendLeaf(Merkle.leafHash(e.event.leafData))
                    next = e.position + 1
                }
                let mark = try writer.prepare("UPDATE meta SET value = ? WHERE key = 'tree_size'")
                mark.bind(1, tree.size)
                try mark.run()
                try writer.execute("COMMIT")
            } catch {
                try? writer.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Appends a leaf to the tree and stores the subtrees of level `storedLevel` and more it
    /// completes (writer queue, inside the caller's transaction).
    func appendLeaf(_ leaf: MerkleHash) throws(StoreError) {
        let nodes = tree.append(leaf)
        guard nodes.count > Self.storedLevel else { return }
        let put = try writer.prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
        for n in nodes where n.level >= Self.storedLevel {
            put.reset()
            put.bind(1, Int64(n.level))
            put.bind(2, n.index)
            put.bind(3, blob: n.hash.bytes)
            try put.run()
        }
    }

    func treeSizeOn(_ db: any SQLConnection) throws(StoreError) -> Int64 {
        Int64(try db.scalarText("SELECT value FROM meta WHERE key = 'tree_size'") ?? "0") ?? 0
    }

    /// The size and root of the tree as committed, read on the reader connection.
    public func treeHead() throws(StoreError) -> (size: Int64, root: MerkleHash) {
        try onReader { () throws(StoreError) -> (size: Int64, root: MerkleHash) in
            let size = try treeSizeOn(reader)
            return (size, try rootOnReader(size: size))
        }
    }

    /// The root of the tree of the first `size` events.
    public func rootHash(size: Int64) throws(StoreError) -> MerkleHash {
        try onReader { () throws(StoreError) -> MerkleHash in try rootOnReader(size: size) }
    }

    private func rootOnReader(size: Int64) throws(StoreError) -> MerkleHash {
        do { return try Merkle.root(size: size, store: StoredNodes(db: reader)) } catch let e as StoreError { throw e } catch {
            throw StoreError("\(error)")
        }
    }

    /// RFC 9162 inclusion proof of leaf `index` (event `index + 1`) in the tree of `size` events.
    public func inclusionProof(index: Int64, size: Int64) throws(StoreError) -> [MerkleHash] {
        try onReader { () throws(StoreError) -> [MerkleHash] in
            do { return try Merkle.inclusionProof(index: index, size: size, store: StoredNodes(db: reader)) }
            catch let e as StoreError { throw e } catch { throw StoreError("\(error)") }
        }
    }

    /// RFC 9162 consistency proof from the tree of `from` events to the tree of `to` events.
    public func consistencyProof(from: Int64, to: Int64) throws(StoreError) -> [MerkleHash] {
        try onReader { () throws(StoreError) -> [MerkleHash] in
            do { return try Merkle.consistencyProof(from: from, to: to, store: StoredNodes(db: reader)) }
            catch let e as StoreError { throw e } catch { throw StoreError("\(error)") }
        }
    }
}
