import AuditLog
import XCTest

/// `MerkleTreeState`: the incremental tree against the recursive definition, resuming from a
/// store, and the nodes each append completes.
final class MerkleTreeStateTests: XCTestCase {
    func testEmptyTree() {
        let state = MerkleTreeState()
        XCTAssertEqual(state.size, 0)
        XCTAssertEqual(state.root, Merkle.emptyRoot)
    }

    /// Appending 1...1000 leaves: the root at every size is the recursive definition's.
    func testRootMatchesTheRecursiveDefinitionAtEverySize() {
        let leaves = (0..<1000).map { Merkle.leafHash(Array("event \($0)".utf8)) }
        var state = MerkleTreeState()
        for (i, leaf) in leaves.enumerated() {
            _ = state.append(leaf)
            XCTAssertEqual(state.size, Int64(i + 1))
            XCTAssertEqual(state.root, ReferenceTree.root(leaves[...i]), "size \(i + 1)")
        }
    }

    /// Each append returns the leaf at level 0 and exactly the nodes it completes, each with
    /// the recursive root of its leaves.
    func testAppendReturnsTheNodesItCompletes() {
        let leaves = (0..<70).map { Merkle.leafHash([UInt8($0)]) }
        var state = MerkleTreeState()
        for (i, leaf) in leaves.enumerated() {
            let completed = state.append(leaf)
            // Leaf i completes one node per trailing one bit of i, plus the leaf itself.
            XCTAssertEqual(completed.count, (~i).trailingZeroBitCount + 1, "leaf \(i)")
            for (n, node) in completed.enumerated() {
                XCTAssertEqual(node.level, n, "leaf \(i)")
                XCTAssertEqual(node.index, Int64(i >> n), "leaf \(i)")
                let start = Int(node.index) << node.level
                let end = start + (1 << node.level)
                guard start >= 0, end <= leaves.count else { return XCTFail("leaf \(i): node \(node.level)/\(node.index) is outside the tree") }
                XCTAssertEqual(node.hash, ReferenceTree.root(leaves[start..<end]), "leaf \(i), level \(n)")
            }
        }
    }

    /// Rebuilding the edge from the stored nodes at any size, then appending on, gives the same
    /// roots and nodes as a state that never stopped; it reads one node per set bit of the size.
    func testResumesFromTheStore() throws {
        let leaves = (0..<300).map { Merkle.leafHash(Array("r\($0)".utf8)) }
        let store = InMemoryNodeStore(leafHashes: leaves)
        for size in [0, 1, 2, 3, 5, 8, 13, 64, 100, 255, 256, 257] {
            store.resetReads()
            var resumed = try MerkleTreeState(size: Int64(size), store: store)
            XCTAssertEqual(store.reads, size.nonzeroBitCount, "size \(size)")
            XCTAssertEqual(resumed.size, Int64(size))
            XCTAssertEqual(resumed.root, ReferenceTree.root(leaves[..<size]), "size \(size)")
            var continuous = MerkleTreeState()
            for leaf in leaves[..<size] { _ = continuous.append(leaf) }
            XCTAssertEqual(resumed, continuous, "size \(size)")
            for next in size..<min(size + 40, leaves.count) {
                let a = resumed.append(leaves[next])
                let b = continuous.append(leaves[next])
                XCTAssertEqual(a.map(\.hash), b.map(\.hash), "leaf \(next) after resuming at \(size)")
                XCTAssertEqual(resumed.root, ReferenceTree.root(leaves[...next]), "leaf \(next) after resuming at \(size)")
            }
        }
    }

    func testResumingRefusesANegativeSizeAndReportsAMissingNode() {
        let store = InMemoryNodeStore(leafHashes: [Merkle.leafHash([1]), Merkle.leafHash([2])])
        XCTAssertThrowsError(try MerkleTreeState(size: -1, store: store)) { error in
            XCTAssertEqual(error as? AuditLogError, .outOfRange("tree size -1 is negative"))
        }
        XCTAssertThrowsError(try MerkleTreeState(size: 3, store: store)) { error in
            XCTAssertTrue(error is InMemoryNodeStore.Missing, "\(error)")
        }
    }
}
