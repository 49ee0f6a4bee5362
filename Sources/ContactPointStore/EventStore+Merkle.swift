import AuditLog
import CSQLite
import ContactPointModel

/// The Merkle tree over the log (docs/audit.md §1–2). Each event's leaf is the JCS form of
/// its envelope; every complete subtree's hash is stored in `merkle_nodes` in the same
/// transaction as the event, so an append costs O(log n) and a proof O(log n) reads.
extension NewEvent {
    /// The event's canonical form, its leaf data (docs/audit.md §1): JCS of
    /// `{actor, at, id, payload, request_id, sequence, type}`.
    public var leafData: [UInt8] { leafData(payloadJCS: nil) }

    /// The leaf data, with the payload's JCS bytes when the caller has them already.
    func leafData(payloadJCS: [UInt8]?) -> [UInt8] {
        // The members in JCS order (all ASCII names, so UTF-16 order is byte order), written
        // directly: only the payload needs the general serializer.
        func text(_ s: String) -> [UInt8] { JSONValue.string(s).jcsBytes() }
        let payloadBytes = payloadJCS ?? payload.jcsBytes()
        var out: [UInt8] = []
        out.reserveCapacity(payloadBytes.count + 220)
        out += Array(#"{"actor":"#.utf8) + text(actor)
        out += Array(#","at":"#.utf8) + text(at.rfc3339)
        out += Array(#","id":"#.utf8) + text(id)
        out += Array(#","payload":"#.utf8) + payloadBytes
        out += Array(#","request_id":"#.utf8) + text(requestID)
        out += Array(#","sequence":"#.utf8) + Array(String(sequence).utf8)
        out += Array(#","type":"#.utf8) + text(type) + [UInt8(ascii: "}")]
        return out
    }
}

/// Complete-subtree hashes read through one connection (the writer's or the reader's).
struct SQLiteNodes: MerkleNodeStore {
    let db: SQLiteConnection

    func node(level: Int, index: Int64) throws -> MerkleHash {
        let s = try db.prepare("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        defer { s.reset() }
        s.bind(1, Int64(level))
        s.bind(2, index)
        guard try s.step(), let hash = MerkleHash(bytes: s.blob(0)) else {
            throw StoreError("the Merkle tree has no node at level \(level), index \(index): the store is incomplete or was edited")
        }
        return hash
    }
}

extension EventStore {
    /// Rebuilds the tree's right edge at open and gives the leaves it lacks to every event
    /// written before the tree existed (schema 3), in transactions of 10,000 events.
    func openTree() throws(StoreError) {
        let size = try treeSizeOn(writer)
        do { tree = try MerkleTreeState(size: size, store: SQLiteNodes(db: writer)) } catch {
            throw StoreError("cannot read the Merkle tree of \(path): \(error)")
        }
        guard size < lastPosition else {
            if size > lastPosition {
                throw StoreError(code: StoreError.truncated, "\(path): the Merkle tree has \(size) leaves but the log has only \(lastPosition) events: "
                                 + "events \(lastPosition + 1) to \(size) were deleted")
            }
            return
        }
        var next = size + 1
        while next <= lastPosition {
            try writer.execute("BEGIN IMMEDIATE")
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
                    try addLeaf(for: e.event)
                    next = e.position + 1
                }
                try writer.execute("COMMIT")
            } catch {
                try? writer.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Appends `event`'s leaf to the tree and stores the subtrees it completes (writer queue,
    /// inside the caller's transaction).
    func addLeaf(for event: NewEvent, canonicalPayload: [UInt8]? = nil) throws(StoreError) {
        // The chain's canonical payload bytes are the JCS bytes for every payload the daemon
        // writes (integers, ASCII names); the general serializer runs only when they are not.
        let jcs = canonicalPayload.flatMap { event.payload.canonicalIsJCS ? $0 : nil }
        let nodes = tree.append(Merkle.leafHash(event.leafData(payloadJCS: jcs)))
        let put = try writer.prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
        for n in nodes {
            put.reset()
            put.bind(1, Int64(n.level))
            put.bind(2, n.index)
            put.bind(3, blob: n.hash.bytes)
            try put.run()
        }
    }

    func treeSizeOn(_ db: SQLiteConnection) throws(StoreError) -> Int64 {
        let s = try db.prepare("SELECT coalesce(max(idx) + 1, 0) FROM merkle_nodes WHERE level = 0")
        defer { s.reset() }
        _ = try s.step()
        return s.int64(0)
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
        do { return try Merkle.root(size: size, store: SQLiteNodes(db: reader)) } catch let e as StoreError { throw e } catch {
            throw StoreError("\(error)")
        }
    }

    /// RFC 9162 inclusion proof of leaf `index` (event `index + 1`) in the tree of `size` events.
    public func inclusionProof(index: Int64, size: Int64) throws(StoreError) -> [MerkleHash] {
        try onReader { () throws(StoreError) -> [MerkleHash] in
            do { return try Merkle.inclusionProof(index: index, size: size, store: SQLiteNodes(db: reader)) }
            catch let e as StoreError { throw e } catch { throw StoreError("\(error)") }
        }
    }

    /// RFC 9162 consistency proof from the tree of `from` events to the tree of `to` events.
    public func consistencyProof(from: Int64, to: Int64) throws(StoreError) -> [MerkleHash] {
        try onReader { () throws(StoreError) -> [MerkleHash] in
            do { return try Merkle.consistencyProof(from: from, to: to, store: SQLiteNodes(db: reader)) }
            catch let e as StoreError { throw e } catch { throw StoreError("\(error)") }
        }
    }
}
