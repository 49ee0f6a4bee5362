import COpenSSL
import ContactPointModel

/// The digest of the `cases` projection: the XOR of the SHA-256 of every row's canonical
/// bytes (`CaseRecord.Snapshot.canonicalBytes`).
///
/// XOR makes it incremental — replacing a row is `digest ^= H(old) ^ H(new)` — and
/// independent of row order, so the store keeps it current with each commit at the cost of
/// two hashes per request changed, and records it in the same transaction. At start the
/// daemon recomputes it from the rows it reads anyway; a row edited, added or deleted
/// behind its back (`UPDATE cases SET state = 'released'`) no longer matches, and the
/// daemon rebuilds the projection from the log. It guards against edits to derived data,
/// not against someone who also recomputes the digest: anchoring the log itself outside
/// the machine is the answer to that.
public struct ProjectionDigest: Sendable, Hashable, CustomStringConvertible {
    public private(set) var bytes = [UInt8](repeating: 0, count: 32)

    /// The digest of no rows.
    public init() {}

    /// A digest from its 64 hex digits.
    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count == 64 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        for i in 0..<32 {
            guard let h = nibble(chars[2 * i]), let l = nibble(chars[2 * i + 1]) else { return nil }
            bytes[i] = h << 4 | l
        }
    }

    /// Adds a row (or, since XOR is its own inverse, removes it).
    public mutating func toggle(_ row: CaseRecord.Snapshot) {
        let h = Self.rowHash(row)
        for i in 0..<32 { bytes[i] ^= h[i] }
    }

    /// The digest of `rows`: each row's bytes written into one buffer and hashed with one
    /// digest context, so a million rows at start allocate nothing per row.
    public init(rows: some Sequence<CaseRecord.Snapshot>) {
        guard let md = SHA256.fetched, let context = EVP_MD_CTX_new() else {
            for r in rows { toggle(r) }
            return
        }
        defer { EVP_MD_CTX_free(context) }
        var buffer = [UInt8](repeating: 0, count: 512)
        var sum = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var hash = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        for row in rows {
            let count = row.canonicalCount
            if count > buffer.count { buffer = [UInt8](repeating: 0, count: count * 2) }
            var length: UInt32 = 0
            let ok = buffer.withUnsafeMutableBytes { raw in
                let written = row.writeCanonicalBytes(to: raw)
                return withUnsafeMutableBytes(of: &hash) { out in
                    EVP_DigestInit_ex2(context, md, nil) == 1
                        && EVP_DigestUpdate(context, raw.baseAddress, written) == 1
                        && EVP_DigestFinal_ex(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
                }
            }
            precondition(ok && length == 32, "OpenSSL SHA-256 failed")
            sum.0 ^= hash.0
            sum.1 ^= hash.1
            sum.2 ^= hash.2
            sum.3 ^= hash.3
        }
        // XOR is bytewise, so XORing 8 bytes at a time in memory order is the same sum.
        withUnsafeBytes(of: sum) { bytes = Array($0) }
    }

    /// Adds the rows another digest covers (XOR: order does not matter, so parts of a table
    /// can be hashed on several threads and combined).
    public mutating func combine(_ other: ProjectionDigest) {
        for i in 0..<32 { bytes[i] ^= other.bytes[i] }
    }

    public var hex: String { SHA256.hex(of: bytes) }
    public var description: String { hex }

    /// SHA-256 of a row's canonical bytes, with the digest implementation fetched once.
    static func rowHash(_ row: CaseRecord.Snapshot) -> [UInt8] {
        SHA256.digestFetched(row.canonicalBytes)
    }
}

extension SHA256 {
    /// The SHA-256 implementation, fetched from the default provider once (OpenSSL 3 would
    /// otherwise look it up on every call: the projection hashes a million rows at start).
    nonisolated(unsafe) static let fetched: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    /// The 32-byte digest of `bytes`, with the pre-fetched implementation.
    static func digestFetched(_ bytes: [UInt8]) -> [UInt8] {
        guard let md = fetched else { return digest(bytes) }
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(input.baseAddress, input.count, o.baseAddress, &length, md, nil)
            }
        }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return out
    }
}
