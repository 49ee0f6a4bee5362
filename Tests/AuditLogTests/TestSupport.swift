import Foundation
import AuditLog
import XCTest

/// A node store in memory, counting its reads so tests can bound a proof's cost by a count.
final class InMemoryNodeStore: MerkleNodeStore {
    struct Missing: Error, CustomStringConvertible {
        let level: Int
        let index: Int64
        var description: String { "no node at level \(level), index \(index)" }
    }

    private var nodes: [Int: [Int64: MerkleHash]] = [:]
    private(set) var reads = 0
    private(set) var state = MerkleTreeState()

    /// A store holding the tree of these leaf hashes, built by appending.
    init(leafHashes: [MerkleHash] = []) {
        for hash in leafHashes { append(hash) }
    }

    func append(_ leafHash: MerkleHash) {
        for node in state.append(leafHash) { nodes[node.level, default: [:]][node.index] = node.hash }
    }

    func node(level: Int, index: Int64) throws -> MerkleHash {
        reads += 1
        guard let hash = nodes[level]?[index] else { throw Missing(level: level, index: index) }
        return hash
    }

    func resetReads() { reads = 0 }
}

/// RFC 9162 §2.1 written out as plainly as the text reads, over an array of leaf hashes: the
/// independent definition the tree and its proofs are checked against.
enum ReferenceTree {
    static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func root(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        switch leaves.count {
        case 0: return Merkle.emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = split(leaves.count)
            let mid = leaves.startIndex + k
            return Merkle.nodeHash(root(leaves[..<mid]), root(leaves[mid...]))
        }
    }

    static func path(_ m: Int, _ leaves: ArraySlice<MerkleHash>) -> [MerkleHash] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let mid = leaves.startIndex + k
        if m < k { return path(m, leaves[..<mid]) + [root(leaves[mid...])] }
        return path(m - k, leaves[mid...]) + [root(leaves[..<mid])]
    }

    static func proof(_ m: Int, _ leaves: ArraySlice<MerkleHash>) -> [MerkleHash] {
        guard m > 0, m < leaves.count else { return [] }
        return subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<MerkleHash>, _ known: Bool) -> [MerkleHash] {
        if m == leaves.count { return known ? [] : [root(leaves)] }
        let k = split(leaves.count)
        let mid = leaves.startIndex + k
        if m <= k { return subproof(m, leaves[..<mid], known) + [root(leaves[mid...])] }
        return subproof(m - k, leaves[mid...], false) + [root(leaves[..<mid])]
    }
}

func hexHash(_ hex: String, file: StaticString = #filePath, line: UInt = #line) throws -> MerkleHash {
    try XCTUnwrap(MerkleHash(hex: hex), "not a 32-byte hex hash: \(hex)", file: file, line: line)
}

func base64Hash(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> MerkleHash {
    try XCTUnwrap(MerkleHash(base64: text), "not a 32-byte base64 hash: \(text)", file: file, line: line)
}

/// `hash` with one bit of byte `byte` flipped.
func flipped(_ hash: MerkleHash, byte: Int) -> MerkleHash {
    var bytes = hash.bytes
    bytes[byte % 32] ^= 0x01
    // 32 bytes in, so never nil; if it were, the unchanged hash makes the caller's check fail.
    return MerkleHash(bytes: bytes) ?? hash
}

extension ReferenceTree {
    /// For leaf `m` of a tree of `n` leaves, from the leaf up: whether each sibling of the
    /// audit path lies to the right. Two (index, size) pairs with the same orientation hash a
    /// proof identically, so a verifier cannot tell them apart by the proof alone.
    static func orientation(_ m: Int, _ n: Int) -> [Bool] {
        guard n > 1 else { return [] }
        let k = split(n)
        if m < k { return orientation(m, k) + [true] }
        return orientation(m - k, n - k) + [false]
    }
}

/// The unencrypted PKCS#8 PEM of the Ed25519 private key with this 32-byte seed (RFC 8410:
/// a fixed 16-byte DER prefix, then the seed), so tests can load published test keys.
func ed25519PEM(seed: [UInt8]) -> String {
    let der: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20] + seed
    return "-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString())\n-----END PRIVATE KEY-----\n"
}

/// golang.org/x/mod sumdb/note note_test.go: PeterNeumann's signer key
/// "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
/// (0x01 then the 32-byte seed) and the matching verifier key.
enum GoNoteVectors {
    static let peterSigner = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let peterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let enochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

    static func peterLogKey() throws -> LogKey {
        let material = try XCTUnwrap(Data(base64Encoded: peterSigner))
        XCTAssertEqual(material.first, 0x01)
        return try LogKey(pem: ed25519PEM(seed: Array(material.dropFirst())))
    }
}

/// A fresh directory under the system temporary directory, removed by `cleanUp`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("auditlog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
