/// A C2SP `tlog-checkpoint` note body: the log's origin, its size and its root.
///
/// ```
/// pocd.vn/contactpoint
/// 18234
/// <base64 of the 32-byte root>
/// ```
///
/// Each line ends in a newline; optional extension lines may follow (kept, signed, opaque).
/// Parsing is strict, so ``body`` reproduces a parsed body byte for byte.
public struct Checkpoint: Sendable, Hashable {
    /// The log's identity, the first line (docs/audit.md: `<certificate identity>/contactpoint`).
    public let origin: String
    /// The number of leaves.
    public let size: Int64
    /// The root of the tree of `size` leaves.
    public let root: MerkleHash
    /// Lines after the root, each non-empty, without newlines.
    public let extensions: [String]

    /// A checkpoint with these fields.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` for an empty origin, a negative size, or an
    ///   origin or extension line that is empty or holds a newline or control character.
    public init(origin: String, size: Int64, root: MerkleHash, extensions: [String] = []) throws(AuditLogError) {
        guard !origin.isEmpty else { throw AuditLogError.malformed("checkpoint: empty origin") }
        guard size >= 0 else { throw AuditLogError.malformed("checkpoint: negative tree size \(size)") }
        for line in [origin] + extensions {
            guard !line.isEmpty else { throw AuditLogError.malformed("checkpoint: empty extension line") }
            guard !line.utf8.contains(NoteText.newline) else { throw AuditLogError.malformed("checkpoint: a line holds a newline") }
            try NoteText.checkNoControlCharacters(line, "checkpoint")
        }
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// Parses a checkpoint note body (the text of a ``SignedNote``).
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` naming the line: fewer than three lines, a
    ///   line without its newline or empty, a size that is not a decimal without leading zeros,
    ///   a root that is not strict base64 of exactly 32 bytes.
    public init(body: String) throws(AuditLogError) {
        let lines = try NoteText.lines(Substring(body), "checkpoint")
        guard lines.count >= 3 else { throw AuditLogError.malformed("checkpoint: fewer than three lines") }
        guard !lines.contains(where: \.isEmpty) else { throw AuditLogError.malformed("checkpoint: an empty line") }
        let size = try NoteText.decimal(lines[1], "checkpoint: the tree size")
        guard let root = MerkleHash(base64: lines[2]) else {
            throw AuditLogError.malformed("checkpoint: the root hash is not base64 of 32 bytes")
        }
        try self.init(origin: String(lines[0]), size: size, root: root, extensions: lines.dropFirst(3).map(String.init))
    }

    /// The note body: origin, size, base64 root and extension lines, each ending in a newline.
    public var body: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }
}
