/// The audit log's Merkle tree as RFC 9162 §2.1 defines it, with SHA-256: hashing, roots,
/// inclusion and consistency proofs, and their verification.
///
/// Roots and proofs are computed from the stored hashes of complete subtrees (a
/// ``MerkleNodeStore``): every range the RFC's recursion needs splits into at most
/// O(log n) complete subtrees, so no call rehashes leaves and each reads O(log n) nodes.
/// Verification needs no store. Sizes and indices are `Int64`, leaf indices from 0.
public enum Merkle {
    /// The hash of a leaf: `SHA-256(0x00 || data)`.
    public static func leafHash(_ data: some Collection<UInt8>) -> MerkleHash {
        var input: [UInt8] = [0x00]
        input.reserveCapacity(data.count + 1)
        input.append(contentsOf: data)
        return MerkleHash(digest: SHA256.digest(input))
    }

    /// The hash of an interior node: `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var input: [UInt8] = [0x01]
        input.reserveCapacity(65)
        input.append(contentsOf: left.bytes)
        input.append(contentsOf: right.bytes)
        return MerkleHash(digest: SHA256.digest(input))
    }

    /// The root of the empty tree: `SHA-256("")`.
    public static let emptyRoot = MerkleHash(digest: SHA256.digest([]))

    /// The root of the tree's first `size` leaves (``emptyRoot`` for 0).
    ///
    /// - Throws: ``AuditLogError/outOfRange(_:)`` for a negative size; the store's error if
    ///   a node is missing.
    public static func root(size: Int64, store: some MerkleNodeStore) throws -> MerkleHash {
        guard size >= 0 else { throw AuditLogError.outOfRange("tree size \(size) is negative") }
        if size == 0 { return emptyRoot }
        return try subtreeRoot(0, size, store)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves: RFC 9162 §2.1.3.1
    /// `PATH(index, D[size])`, the sibling nearest the leaf first.
    ///
    /// - Throws: ``AuditLogError/outOfRange(_:)`` unless `0 <= index < size`; the store's
    ///   error if a node is missing.
    public static func inclusionProof(index: Int64, size: Int64, store: some MerkleNodeStore) throws -> [MerkleHash] {
        guard index >= 0, index < size else {
            throw AuditLogError.outOfRange("leaf index \(index) is not in a tree of size \(size)")
        }
        var proof: [MerkleHash] = []
        try path(index, 0, size, store, into: &proof)
        return proof
    }

    /// The consistency proof from the tree of `from` leaves to the tree of `to` leaves:
    /// RFC 9162 §2.1.4.1 `PROOF(from, D[to])`; empty when `from` is 0 or equals `to`.
    ///
    /// - Throws: ``AuditLogError/outOfRange(_:)`` unless `0 <= from <= to`; the store's
    ///   error if a node is missing.
    public static func consistencyProof(from: Int64, to: Int64, store: some MerkleNodeStore) throws -> [MerkleHash] {
        guard from >= 0, from <= to else {
            throw AuditLogError.outOfRange("consistency from size \(from) to size \(to)")
        }
        if from == 0 || from == to { return [] }
        var proof: [MerkleHash] = []
        try subproof(from, 0, to, true, store, into: &proof)
        return proof
    }

    // MARK: - Computing from stored complete subtrees

    /// The largest power of two smaller than `n` (n ≥ 2): the RFC's split point `k`.
    static func split(_ n: Int64) -> Int64 {
        precondition(n >= 2)
        return Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// `MTH(D[start..<end])` for a range the RFC's recursion produces (`start` is a multiple
    /// of the largest power of two not above the range's length): a stored node when the range
    /// is a complete subtree, otherwise its complete left part and its right remainder.
    static func subtreeRoot(_ start: Int64, _ end: Int64, _ store: some MerkleNodeStore) throws -> MerkleHash {
        let count = end - start
        precondition(count > 0, "empty range")
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            precondition(start & (count - 1) == 0, "unaligned complete subtree")
            return try store.node(level: level, index: start >> level)
        }
        let k = split(count)
        return nodeHash(try subtreeRoot(start, start + k, store), try subtreeRoot(start + k, end, store))
    }

    /// RFC 9162 §2.1.3.1 `PATH(m, D[start..<end])`, appended to `proof`.
    private static func path(_ m: Int64, _ start: Int64, _ end: Int64, _ store: some MerkleNodeStore,
                             into proof: inout [MerkleHash]) throws {
        let n = end - start
        if n == 1 { return }
        let k = split(n)
        if m - start < k {
            try path(m, start, start + k, store, into: &proof)
            proof.append(try subtreeRoot(start + k, end, store))
        } else {
            try path(m, start + k, end, store, into: &proof)
            proof.append(try subtreeRoot(start, start + k, store))
        }
    }

    /// RFC 9162 §2.1.4.1 `SUBPROOF(m, D[start..<end], known)`, appended to `proof`; `m`
    /// counts leaves from `start`.
    private static func subproof(_ m: Int64, _ start: Int64, _ end: Int64, _ known: Bool,
                                 _ store: some MerkleNodeStore, into proof: inout [MerkleHash]) throws {
        let n = end - start
        if m == n {
            if !known { proof.append(try subtreeRoot(start, end, store)) }
            return
        }
        let k = split(n)
        if m <= k {
            try subproof(m, start, start + k, known, store, into: &proof)
            proof.append(try subtreeRoot(start + k, end, store))
        } else {
            try subproof(m - k, start + k, end, false, store, into: &proof)
            proof.append(try subtreeRoot(start, start + k, store))
        }
    }
}
