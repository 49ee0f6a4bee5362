/// The append side of the tree: its size and its "right edge", the roots of the maximal
/// complete subtrees (one per set bit of the size, largest and leftmost first).
///
/// That is all an append needs: the new leaf merges with the edge's trailing subtrees of equal
/// size, completing one node per merge, so an append hashes O(log n) times and the root folds
/// the edge right to left. The state is a value: the daemon keeps one beside its store, rebuilds
/// it at start with ``init(size:store:)``, and persists what ``append(_:)`` returns in the same
/// transaction as the leaf.
public struct MerkleTreeState: Sendable, Hashable {
    /// The number of leaves.
    public private(set) var size: Int64
    /// The roots of the maximal complete subtrees, leftmost first.
    private var edge: [MerkleHash]

    /// The empty tree.
    public init() {
        size = 0
        edge = []
    }

    /// The state of the tree of `size` leaves, read from the stored complete subtrees (one
    /// node per set bit of `size`).
    ///
    /// - Throws: ``AuditLogError/outOfRange(_:)`` for a negative size; the store's error if a
    ///   node is missing.
    public init(size: Int64, store: some MerkleNodeStore) throws {
        guard size >= 0 else { throw AuditLogError.outOfRange("tree size \(size) is negative") }
        var edge: [MerkleHash] = []
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            edge.append(try store.node(level: level, index: start >> level))
            start += Int64(1) << level
        }
        self.size = size
        self.edge = edge
    }

    /// Appends the leaf with hash `leafHash` (``Merkle/leafHash(_:)`` of its data) and returns
    /// every node it completes, for the caller to store: the leaf itself at level 0, then one
    /// node per level it completes, bottom up.
    public mutating func append(_ leafHash: MerkleHash) -> [(level: Int, index: Int64, hash: MerkleHash)] {
        let index = size
        var completed: [(level: Int, index: Int64, hash: MerkleHash)] = [(0, index, leafHash)]
        var hash = leafHash
        var level = 0
        // The node at `level` holding the new leaf is a right child exactly when bit `level`
        // of its index is set; its left sibling is then the edge's last subtree.
        while (index >> level) & 1 == 1 {
            hash = Merkle.nodeHash(edge.removeLast(), hash)
            level += 1
            completed.append((level, index >> level, hash))
        }
        edge.append(hash)
        size += 1
        return completed
    }

    /// The root of the tree: RFC 9162's `MTH(D[size])`, ``Merkle/emptyRoot`` when empty.
    public var root: MerkleHash {
        guard var root = edge.last else { return Merkle.emptyRoot }
        for left in edge.dropLast().reversed() { root = Merkle.nodeHash(left, root) }
        return root
    }
}
