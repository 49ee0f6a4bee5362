/// Where the hashes of the tree's complete subtrees are kept: the storage side of the tree.
///
/// The node at `level` l and `index` i is the root of leaves `i·2^l ..< (i+1)·2^l`; level 0
/// holds the leaf hashes. A node exists once all its leaves do, and never changes after.
/// ``MerkleTreeState/append(_:)`` returns each node as it becomes complete, for the caller to
/// store in the same transaction as the leaf; roots and proofs then read O(log n) of them.
///
/// Implementations throw when a node that should exist is missing or unreadable; the error
/// passes through ``Merkle`` unchanged.
public protocol MerkleNodeStore {
    /// The hash of the complete subtree at `level`, `index`.
    func node(level: Int, index: Int64) throws -> MerkleHash
}
