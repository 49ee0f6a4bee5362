import AuditLog
import ContactPointModel
import XCTest
@testable import ContactPointStore

/// The tree as the store keeps it: each event's leaf in its row, subtrees of 16 leaves and
/// more in merkle_nodes, smaller ones folded from leaves. Its roots and proofs are those of
/// the tree computed from scratch; events written before the tree existed get it at open.
final class MerkleStoreTests: StoreTestCase {
    /// Every node of the tree over `leaves`, in memory: the reference.
    struct AllNodes: MerkleNodeStore {
        var nodes: [String: MerkleHash] = [:]
        init(_ leaves: [MerkleHash]) {
            var tree = MerkleTreeState()
            for l in leaves { for n in tree.append(l) { nodes["\(n.level)/\(n.index)"] = n.hash } }
        }
        func node(level: Int, index: Int64) throws -> MerkleHash {
            guard let n = nodes["\(level)/\(index)"] else { throw StoreError("no node \(level)/\(index)") }
            return n
        }
    }

    func makeLog(_ count: Int) throws -> (EventStore, [MerkleHash]) {
        let store = try EventStore(directory: dir, clock: .system)
        var leaves: [MerkleHash] = []
        var batch: [NewEvent] = []
        for i in 0..<count {
            let e = event("r\(i % 7)", i / 7, note: "event \(i) é \u{1F600}")
            batch.append(e)
            leaves.append(Merkle.leafHash(e.leafData))
            if batch.count == 9 || i == count - 1 {
                try append(store, batch)
                batch = []
            }
        }
        return (store, leaves)
    }

    func testRootsAndProofsAreThoseOfTheTreeComputedFromScratch() throws {
        let (store, leaves) = try makeLog(100)
        let reference = AllNodes(leaves)
        let head = try store.treeHead()
        XCTAssertEqual(head.size, 100)
        XCTAssertEqual(head.root, try Merkle.root(size: 100, store: reference))
        XCTAssertEqual(try store.rootHash(size: 37), try Merkle.root(size: 37, store: reference))
        for (index, size) in [(0, 1), (5, 16), (15, 16), (16, 17), (40, 64), (63, 100), (99, 100), (31, 33)] as [(Int64, Int64)] {
            let proof = try store.inclusionProof(index: index, size: size)
            XCTAssertEqual(proof, try Merkle.inclusionProof(index: index, size: size, store: reference), "\(index) in \(size)")
            XCTAssertTrue(Merkle.verifyInclusion(leafHash: leaves[Int(index)], index: index, size: size, proof: proof,
                                                 root: try store.rootHash(size: size)), "\(index) in \(size)")
        }
        for (from, to) in [(1, 16), (16, 17), (15, 64), (17, 100), (64, 100), (33, 48)] as [(Int64, Int64)] {
            let proof = try store.consistencyProof(from: from, to: to)
            XCTAssertEqual(proof, try Merkle.consistencyProof(from: from, to: to, store: reference), "\(from) → \(to)")
            XCTAssertTrue(Merkle.verifyConsistency(from: from, to: to, fromRoot: try store.rootHash(size: from),
                                                   toRoot: try store.rootHash(size: to), proof: proof), "\(from) → \(to)")
        }
        let rows = try sqlite(store.path, "SELECT count(*) FROM merkle_nodes; SELECT count(*) FROM events WHERE leaf IS NOT NULL")
        XCTAssertEqual(rows.output, "\(6 + 3 + 1)\n100\n", "subtrees of 16 (6), 32 (3), 64 (1); a leaf in every event's row")
        store.close()
        let reopened = try EventStore(directory: dir, clock: .system)
        XCTAssertEqual(try reopened.treeHead().root, head.root, "the right edge is rebuilt at open")
        try append(reopened, [event("r9", 0)])
        XCTAssertEqual(try reopened.treeHead().size, 101)
    }

    /// A store written before the tree (no leaf in the rows, no nodes, tree size 0) gets it at open.
    func testEventsWrittenBeforeTheTreeGetItAtOpen() throws {
        let (store, leaves) = try makeLog(40)
        let root = try store.treeHead().root
        store.close()
        let wiped = try sqlite(store.path, """
            DROP TRIGGER events_append_only_update; UPDATE events SET leaf = NULL;
            DELETE FROM merkle_nodes; UPDATE meta SET value = 0 WHERE key = 'tree_size';
            """)
        XCTAssertEqual(wiped.status, 0, wiped.output)
        let reopened = try EventStore(directory: dir, clock: .system)
        XCTAssertEqual(try reopened.treeHead().size, 40)
        XCTAssertEqual(try reopened.treeHead().root, root)
        XCTAssertEqual(try reopened.inclusionProof(index: 3, size: 40), try Merkle.inclusionProof(index: 3, size: 40, store: AllNodes(leaves)))
        XCTAssertTrue(try reopened.verifyTree(logKey: nil).isIntact)
    }

    /// Events deleted from the tail while stored subtrees still cover them: the store refuses to open.
    func testATailDeletedUnderItsStoredSubtreesIsRefusedAtOpen() throws {
        let (store, _) = try makeLog(40)
        store.close()
        let cut = try sqlite(store.path, "DROP TRIGGER events_append_only_delete; DELETE FROM events WHERE position > 20; "
                                        + "UPDATE meta SET value = 20 WHERE key = 'tree_size';")
        XCTAssertEqual(cut.status, 0, cut.output)
        XCTAssertThrowsError(try EventStore(directory: dir, clock: .system)) { error in
            XCTAssertEqual((error as? StoreError)?.code, StoreError.truncated)
            XCTAssertTrue("\(error)".contains("the Merkle tree covers 32 events but the log has only 20"), "\(error)")
        }
    }

    /// An old event (no leaf in its row) edited: its block of 16 no longer matches its stored subtree.
    func testAnEditedEventWithoutItsOwnLeafIsFoundByItsBlock() throws {
        let (store, _) = try makeLog(40)
        store.close()
        let edit = try sqlite(store.path, """
            DROP TRIGGER events_append_only_update; UPDATE events SET leaf = NULL;
            UPDATE events SET actor = 'someone.else' WHERE position = 21;
            """)
        XCTAssertEqual(edit.status, 0, edit.output)
        let reopened = try EventStore(directory: dir, clock: .system)
        let result = try reopened.verifyTree(logKey: nil)
        XCTAssertEqual(result.problem?.hasPrefix("events 17 to 32: their canonical forms do not match the stored tree"), true, "\(result)")
    }
}
