/// The body of a C2SP `tlog-witness` `add-checkpoint` request: the size the sender believes
/// the witness last cosigned, a consistency proof from that size, and the signed checkpoint.
///
/// ```
/// old <size>
/// <base64 proof hash>       (zero to 63 lines)
///
/// <signed checkpoint note>
/// ```
///
/// Parsing checks the syntax only; the witness's checks (the log's signature, `old` against
/// its record and the checkpoint's size, the proof, the empty tree's root) are its own, each
/// with its HTTP status (docs/audit.md, section 5).
public struct AddCheckpointRequest: Sendable, Hashable {
    /// The most proof lines a body may hold (a proof in a tree of up to 2^63 leaves).
    public static let maximumProofLength = 63

    /// The tree size of the last checkpoint the witness cosigned, as the sender knows it.
    public let oldSize: Int64
    /// The consistency proof from `oldSize` to the checkpoint's size.
    public let proof: [MerkleHash]
    /// The signed checkpoint note.
    public let note: SignedNote
    /// The checkpoint, parsed from the note's body.
    public let checkpoint: Checkpoint

    /// A request for `note`, whose body must be a checkpoint.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` for a negative `oldSize`, more than
    ///   ``maximumProofLength`` proof hashes, or a note whose body is not a checkpoint.
    public init(oldSize: Int64, proof: [MerkleHash], note: SignedNote) throws(AuditLogError) {
        guard oldSize >= 0 else { throw AuditLogError.malformed("add-checkpoint: negative old size") }
        guard proof.count <= Self.maximumProofLength else {
            throw AuditLogError.malformed("add-checkpoint: \(proof.count) proof lines, more than \(Self.maximumProofLength)")
        }
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
        self.checkpoint = try Checkpoint(body: note.body)
    }

    /// Parses a request body.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` naming the first thing wrong: not UTF-8; a
    ///   first line other than `old <decimal without leading zeros>`; a proof line that is not
    ///   base64 of 32 bytes; more than ``maximumProofLength`` of them; no empty line before the
    ///   note; a note or checkpoint that does not parse.
    public init(parsing bytes: some Collection<UInt8>) throws(AuditLogError) {
        let text = try NoteText.utf8(bytes, "add-checkpoint")
        var rest = Substring(text)
        func nextLine() throws(AuditLogError) -> Substring {
            guard let end = rest.utf8.firstIndex(of: NoteText.newline) else {
                throw AuditLogError.malformed("add-checkpoint: no empty line between the proof and the checkpoint")
            }
            let line = Substring(rest.utf8[..<end])
            rest = Substring(rest.utf8[rest.utf8.index(after: end)...])
            return line
        }
        let first = try nextLine()
        guard first.utf8.starts(with: Array("old ".utf8)) else {
            throw AuditLogError.malformed("add-checkpoint: the first line is not \"old <size>\"")
        }
        let oldSize = try NoteText.decimal(Substring(first.utf8.dropFirst(4)), "add-checkpoint: the old size")
        var proof: [MerkleHash] = []
        while true {
            let line = try nextLine()
            if line.isEmpty { break }
            guard proof.count < Self.maximumProofLength else {
                throw AuditLogError.malformed("add-checkpoint: more than \(Self.maximumProofLength) proof lines")
            }
            guard let hash = MerkleHash(base64: line) else {
                throw AuditLogError.malformed("add-checkpoint: proof line \(proof.count + 1) is not base64 of 32 bytes")
            }
            proof.append(hash)
        }
        try self.init(oldSize: oldSize, proof: proof, note: SignedNote(parsing: String(rest)))
    }

    /// The request body.
    public var body: [UInt8] {
        Array(("old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note.text).utf8)
    }
}
