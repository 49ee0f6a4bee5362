/// A 32-byte SHA-256 value of the audit log's Merkle tree: a leaf hash, an interior node's
/// hash or a root.
///
/// Written as standard base64 in checkpoints, proofs and bundles, and as lower-case hex in
/// logs and the database.
public struct MerkleHash: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The hash with these bytes; nil unless there are exactly 32.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Wraps a digest known to be 32 bytes long.
    init(digest: [UInt8]) {
        precondition(digest.count == 32, "a Merkle hash is 32 bytes")
        bytes = digest
    }

    /// The hash written as strict standard base64 (44 characters with padding); nil for any
    /// other text.
    public init?(base64: some StringProtocol) {
        guard let decoded = Base64.decode(base64) else { return nil }
        self.init(bytes: decoded)
    }

    /// The hash written as 64 lower-case hex digits; nil for any other text.
    public init?(hex: some StringProtocol) {
        guard let decoded = Hex.decode(hex) else { return nil }
        self.init(bytes: decoded)
    }

    /// Standard base64 with padding, as checkpoints and proofs carry it.
    public var base64: String { Base64.encode(bytes) }

    /// 64 lower-case hex digits.
    public var hex: String { Hex.encode(bytes) }

    /// The hex form.
    public var description: String { hex }
}
