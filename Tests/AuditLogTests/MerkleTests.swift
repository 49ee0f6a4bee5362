import Foundation
import AuditLog
import XCTest

/// `Merkle`: hashing, roots and proofs against RFC 6962/9162 vectors of
/// github.com/transparency-dev/merkle, and properties against the plain recursive definition.
final class MerkleTests: XCTestCase {
    // MARK: - Vectors: transparency-dev/merkle testonly/constants.go and reference_test.go

    /// `testonly.LeafInputs()`: the leaf data of the 8-leaf reference tree (hex).
    static let leafInputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                             "606162636465666768696a6b6c6d6e6f"]

    /// `testonly.RootHashes()`: the root for each size 0...8.
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// `testonly.NodeHashes()`: every complete subtree of the 8-leaf tree, by level then index.
    static let nodes = [
        ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
         "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
         "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
         "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
         "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
         "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
         "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
        ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
         "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
         "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
        ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ]

    /// `TestRefInclusionProof`: (index, size, audit path).
    static let inclusionProofs: [(index: Int64, size: Int64, proof: [String])] = [
        (0, 1, []),
        (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
        (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    ]

    /// `TestRefConsistencyProof`: (old size, new size, proof).
    static let consistencyProofs: [(from: Int64, to: Int64, proof: [String])] = [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    ]

    private func referenceStore() throws -> InMemoryNodeStore {
        let leaves = try Self.leafInputs.map { Merkle.leafHash(try XCTUnwrap(hexBytes($0))) }
        return InMemoryNodeStore(leafHashes: leaves)
    }

    private func hexBytes(_ hex: String) -> [UInt8]? {
        hex.isEmpty ? [] : MerkleHashHex.bytes(hex)
    }

    /// transparency-dev/merkle rfc6962/rfc6962_test.go: the empty root, the empty leaf, a leaf.
    func testHashVectors() throws {
        XCTAssertEqual(Merkle.emptyRoot.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Merkle.leafHash([]).hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        XCTAssertEqual(Merkle.leafHash(Array("L123456".utf8)).hex, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        XCTAssertEqual(Merkle.nodeHash(try hexHash(Self.nodes[0][0]), try hexHash(Self.nodes[0][1])).hex, Self.nodes[1][0])
    }

    func testReferenceTreeNodesAndRoots() throws {
        let store = try referenceStore()
        for (level, hashes) in Self.nodes.enumerated() {
            for (index, hex) in hashes.enumerated() {
                XCTAssertEqual(try store.node(level: level, index: Int64(index)).hex, hex, "node \(level)/\(index)")
            }
        }
        for (size, hex) in Self.roots.enumerated() {
            XCTAssertEqual(try Merkle.root(size: Int64(size), store: store).hex, hex, "root of \(size)")
        }
    }

    func testReferenceInclusionProofs() throws {
        let store = try referenceStore()
        for c in Self.inclusionProofs {
            let proof = try Merkle.inclusionProof(index: c.index, size: c.size, store: store)
            XCTAssertEqual(proof.map(\.hex), c.proof, "PATH(\(c.index), D[\(c.size)])")
            let leaf = try store.node(level: 0, index: c.index)
            let root = try hexHash(Self.roots[Int(c.size)])
            XCTAssertTrue(Merkle.verifyInclusion(leafHash: leaf, index: c.index, size: c.size, proof: proof, root: root))
        }
    }

    func testReferenceConsistencyProofs() throws {
        let store = try referenceStore()
        for c in Self.consistencyProofs {
            let proof = try Merkle.consistencyProof(from: c.from, to: c.to, store: store)
            XCTAssertEqual(proof.map(\.hex), c.proof, "PROOF(\(c.from), D[\(c.to)])")
            XCTAssertTrue(Merkle.verifyConsistency(from: c.from, to: c.to, fromRoot: try hexHash(Self.roots[Int(c.from)]),
                                                   toRoot: try hexHash(Self.roots[Int(c.to)]), proof: proof))
        }
    }

    /// transparency-dev/merkle testdata/inclusion: every probe's verdict. Probes with a hash that
    /// is not 32 bytes, or a size or index above `Int64.max`, are refused before verification
    /// (the API cannot take them), which is the verdict they expect.
    func testInclusionProbes() {
        XCTAssertEqual(inclusionProbes.count, 98)
        for p in inclusionProbes {
            let accepted: Bool
            if let root = MerkleHash(base64: p.root), let leaf = MerkleHash(base64: p.leafHash),
               let index = Int64(exactly: p.leafIndex), let size = Int64(exactly: p.treeSize) {
                let proof = p.proof.compactMap { MerkleHash(base64: $0) }
                accepted = proof.count == p.proof.count
                    && Merkle.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)
            } else {
                accepted = false
            }
            XCTAssertEqual(accepted, !p.wantError, p.file)
        }
    }

    /// transparency-dev/merkle testdata/consistency: every probe's verdict, as above. One probe
    /// is left out: "sizes-are-equal-one-and-proof-is-empty" expects two equal 12-byte "roots" to
    /// pass, which a 32-byte hash type cannot express.
    func testConsistencyProbes() {
        let skipped = ["additional/sizes-are-equal-one-and-proof-is-empty.json"]
        XCTAssertEqual(consistencyProbes.count, 98)
        for p in consistencyProbes where !skipped.contains(p.file) {
            let accepted: Bool
            if let root1 = MerkleHash(base64: p.root1), let root2 = MerkleHash(base64: p.root2),
               let size1 = Int64(exactly: p.size1), let size2 = Int64(exactly: p.size2) {
                let proof = p.proof.compactMap { MerkleHash(base64: $0) }
                accepted = proof.count == p.proof.count
                    && Merkle.verifyConsistency(from: size1, to: size2, fromRoot: root1, toRoot: root2, proof: proof)
            } else {
                accepted = false
            }
            XCTAssertEqual(accepted, !p.wantError, p.file)
        }
    }

    func testRefusesProofsOutsideTheTree() throws {
        let store = try referenceStore()
        for (index, size) in [(Int64(0), Int64(0)), (8, 8), (-1, 4), (9, 8)] {
            XCTAssertThrowsError(try Merkle.inclusionProof(index: index, size: size, store: store)) { error in
                guard case AuditLogError.outOfRange = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try Merkle.consistencyProof(from: 5, to: 4, store: store))
        XCTAssertThrowsError(try Merkle.consistencyProof(from: -1, to: 4, store: store))
        XCTAssertThrowsError(try Merkle.root(size: -1, store: store))
        // A size past what the store holds reports the store's missing node.
        XCTAssertThrowsError(try Merkle.root(size: 9, store: store)) { error in
            XCTAssertTrue(error is InMemoryNodeStore.Missing, "\(error)")
        }
        XCTAssertEqual(try Merkle.consistencyProof(from: 0, to: 8, store: store), [])
        XCTAssertEqual(try Merkle.consistencyProof(from: 8, to: 8, store: store), [])
    }

    // MARK: - Properties against the recursive definition

    /// For every size 1...70 and every leaf: the proof is RFC 9162's PATH, it verifies against
    /// the recursive root, and it fails with any proof hash altered, any other index, or a
    /// size whose audit path for that leaf has another shape.
    func testEveryInclusionProofUpTo70Leaves() throws {
        let leaves = (0..<70).map { Merkle.leafHash(Array("leaf \($0)".utf8)) }
        let store = InMemoryNodeStore(leafHashes: leaves)
        for size in 1...70 {
            let root = ReferenceTree.root(leaves[..<size])
            XCTAssertEqual(try Merkle.root(size: Int64(size), store: store), root, "root of \(size)")
            for index in 0..<size {
                let proof = try Merkle.inclusionProof(index: Int64(index), size: Int64(size), store: store)
                XCTAssertEqual(proof, ReferenceTree.path(index, leaves[..<size]), "PATH(\(index), D[\(size)])")
                func verifies(_ proof: [MerkleHash], index: Int, size: Int) -> Bool {
                    Merkle.verifyInclusion(leafHash: leaves[index], index: Int64(index), size: Int64(size), proof: proof, root: root)
                }
                XCTAssertTrue(verifies(proof, index: index, size: size), "\(index) in \(size)")
                for i in proof.indices {
                    var altered = proof
                    altered[i] = flipped(proof[i], byte: i + index)
                    XCTAssertFalse(verifies(altered, index: index, size: size), "\(index) in \(size), hash \(i) altered")
                }
                for other in 0...size where other != index {
                    XCTAssertFalse(Merkle.verifyInclusion(leafHash: leaves[index], index: Int64(other), size: Int64(size),
                                                          proof: proof, root: root), "\(index) in \(size) claimed as \(other)")
                }
                let shape = ReferenceTree.orientation(index, size)
                for other in (index + 1)...71 where other != size {
                    XCTAssertEqual(verifies(proof, index: index, size: other), ReferenceTree.orientation(index, other) == shape,
                                   "\(index) in \(size) claimed in \(other)")
                }
                XCTAssertFalse(verifies(proof + [root], index: index, size: size), "\(index) in \(size), extra hash")
                if !proof.isEmpty {
                    XCTAssertFalse(verifies(Array(proof.dropLast()), index: index, size: size), "\(index) in \(size), short")
                }
            }
        }
    }

    /// For every size 1...70 and every old size 0...size: the proof is RFC 9162's PROOF, it
    /// verifies between the recursive roots, and it fails with any proof hash altered, any other
    /// old size, or swapped roots.
    func testEveryConsistencyProofUpTo70Leaves() throws {
        let leaves = (0..<70).map { Merkle.leafHash(Array("entry \($0)".utf8)) }
        let store = InMemoryNodeStore(leafHashes: leaves)
        let roots = (0...70).map { ReferenceTree.root(leaves[..<$0]) }
        for size in 1...70 {
            for old in 0...size {
                let proof = try Merkle.consistencyProof(from: Int64(old), to: Int64(size), store: store)
                XCTAssertEqual(proof, ReferenceTree.proof(old, leaves[..<size]), "PROOF(\(old), D[\(size)])")
                func verifies(_ proof: [MerkleHash], from: Int, fromRoot: MerkleHash? = nil, toRoot: MerkleHash? = nil) -> Bool {
                    Merkle.verifyConsistency(from: Int64(from), to: Int64(size), fromRoot: fromRoot ?? roots[old],
                                             toRoot: toRoot ?? roots[size], proof: proof)
                }
                XCTAssertTrue(verifies(proof, from: old), "\(old) to \(size)")
                for i in proof.indices {
                    var altered = proof
                    altered[i] = flipped(proof[i], byte: i + old)
                    XCTAssertFalse(verifies(altered, from: old), "\(old) to \(size), hash \(i) altered")
                }
                for other in 0...size where other != old {
                    XCTAssertFalse(verifies(proof, from: other), "\(old) to \(size) claimed from \(other)")
                }
                if old != size {
                    XCTAssertFalse(verifies(proof, from: old, fromRoot: roots[size], toRoot: roots[old]), "\(old) to \(size), roots swapped")
                }
                // From the empty tree every new root is consistent; from any other, only the right one.
                if old > 0 {
                    XCTAssertFalse(verifies(proof, from: old, toRoot: roots[size - 1]), "\(old) to \(size), older new root")
                }
                XCTAssertFalse(verifies(proof + [roots[size]], from: old), "\(old) to \(size), extra hash")
            }
        }
    }

    /// A proof reads O(log n) stored nodes, never the leaves: at most 3·⌈log2 n⌉ + 2, counted.
    func testProofsReadLogarithmicallyManyNodes() throws {
        let store = InMemoryNodeStore()
        for i in 0..<5000 { store.append(Merkle.leafHash(Array("n\(i)".utf8))) }
        for size in [1, 2, 3, 7, 8, 9, 100, 1000, 1023, 1024, 1025, 4097, 5000] {
            let bound = 3 * Int(ceil(log2(Double(size)))) + 2
            for index in Set([0, size / 3, size / 2, size - 1]) {
                store.resetReads()
                _ = try Merkle.inclusionProof(index: Int64(index), size: Int64(size), store: store)
                XCTAssertLessThanOrEqual(store.reads, bound, "PATH(\(index), D[\(size)])")
            }
            for old in Set([1, size / 3, size / 2, size - 1]) where old > 0 {
                store.resetReads()
                _ = try Merkle.consistencyProof(from: Int64(old), to: Int64(size), store: store)
                XCTAssertLessThanOrEqual(store.reads, bound, "PROOF(\(old), D[\(size)])")
            }
            store.resetReads()
            _ = try Merkle.root(size: Int64(size), store: store)
            XCTAssertLessThanOrEqual(store.reads, Int(ceil(log2(Double(size)))) + 1, "root of \(size)")
        }
    }
}

/// Hex without the 32-byte limit of `MerkleHash(hex:)`, for leaf data.
enum MerkleHashHex {
    static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}
