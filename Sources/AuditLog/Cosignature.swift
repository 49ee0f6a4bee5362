/// A C2SP `tlog-cosignature` v1 (Ed25519) cosignature: a witness's statement that, at
/// `timestamp`, the checkpoint is the largest consistent tree it has seen of that log.
///
/// On the wire it is a ``NoteSignature`` whose bytes after the key ID are the timestamp (8
/// bytes, big-endian) and the 64-byte Ed25519 signature of ``message(for:timestamp:)``. Its key
/// ID is that of the witness's ``VerifierKey`` of type `.cosignatureV1` (`0x04`).
public struct Cosignature: Sendable, Hashable {
    /// The witness's key name.
    public let name: String
    /// The witness key's cosignature key ID.
    public let keyID: UInt32
    /// When the witness signed, in POSIX seconds (at most 2^63 − 1).
    public let timestamp: UInt64
    /// The 64-byte Ed25519 signature.
    public let signature: [UInt8]

    /// The message a cosignature signs: `cosignature/v1\n`, `time <timestamp>\n`, then the
    /// whole checkpoint body, extension lines included.
    public static func message(for checkpoint: Checkpoint, timestamp: UInt64) -> [UInt8] {
        message(checkpointBody: checkpoint.body, timestamp: timestamp)
    }

    /// Cosigns `checkpoint` at `timestamp` with the witness key `key` under `name`.
    ///
    /// - Throws: ``AuditLogError/outOfRange(_:)`` for a timestamp above 2^63 − 1;
    ///   ``AuditLogError/malformed(_:)`` for an invalid name; ``AuditLogError/keyFailure(_:)``
    ///   if OpenSSL fails to sign.
    public static func sign(_ checkpoint: Checkpoint, timestamp: UInt64, name: String, key: LogKey) throws(AuditLogError) -> Cosignature {
        guard timestamp <= UInt64(Int64.max) else { throw AuditLogError.outOfRange("cosignature timestamp \(timestamp) above 2^63 - 1") }
        let verifier = try key.verifierKey(name: name, type: .cosignatureV1)
        let signature = try key.sign(message(for: checkpoint, timestamp: timestamp))
        return Cosignature(name: name, keyID: verifier.keyID, timestamp: timestamp, signature: signature)
    }

    private init(name: String, keyID: UInt32, timestamp: UInt64, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.timestamp = timestamp
        self.signature = signature
    }

    /// Reads a note signature as a cosignature.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` unless it holds exactly an 8-byte timestamp
    ///   (at most 2^63 − 1) and a 64-byte signature after the key ID.
    public init(_ noteSignature: NoteSignature) throws(AuditLogError) {
        let bytes = noteSignature.signature
        guard bytes.count == 8 + Ed25519.signatureLength else {
            throw AuditLogError.malformed("cosignature of \(noteSignature.name): \(bytes.count + 4) bytes, not 76")
        }
        let timestamp = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp <= UInt64(Int64.max) else {
            throw AuditLogError.malformed("cosignature of \(noteSignature.name): timestamp above 2^63 - 1")
        }
        self.init(name: noteSignature.name, keyID: noteSignature.keyID, timestamp: timestamp, signature: Array(bytes[8...]))
    }

    /// The cosignature as a note signature line's parts.
    public var noteSignature: NoteSignature {
        let time = (0..<8).map { UInt8(timestamp >> (56 - 8 * UInt64($0)) & 0xFF) }
        // The name was valid when signed or parsed, and the bytes are never empty.
        guard let line = try? NoteSignature(name: name, keyID: keyID, signature: time + signature) else {
            preconditionFailure("a cosignature always forms a valid signature line")
        }
        return line
    }

    /// Whether this is a valid cosignature of `checkpoint` by the witness key `key` (whose type
    /// must be `.cosignatureV1` and whose name and key ID must match).
    public func verify(_ checkpoint: Checkpoint, key: VerifierKey) -> Bool {
        verify(checkpointBody: checkpoint.body, key: key)
    }

    func verify(checkpointBody: String, key: VerifierKey) -> Bool {
        key.type == .cosignatureV1 && key.name == name && key.keyID == keyID
            && key.verify(signature, message: Self.message(checkpointBody: checkpointBody, timestamp: timestamp))
    }

    static func message(checkpointBody: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(checkpointBody.utf8)
    }
}
