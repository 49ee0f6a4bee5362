/// A public key as C2SP `signed-note` writes it (a "vkey"):
/// `<name>+<key ID as 8 lower-case hex digits>+<base64(type || 32-byte Ed25519 public key)>`.
///
/// The key ID is `SHA-256(name || "\n" || type || public key)[0:4]`, big-endian. The type byte
/// says what the key signs: `0x01` for note signatures (a log's checkpoints), `0x04` for
/// `tlog-cosignature` v1 cosignatures (a witness). The same public key under the two types has
/// two key IDs, so a signature of one kind is never taken for the other.
public struct VerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// The signature types this implementation knows (signed-note, "Signature types").
    public enum SignatureType: UInt8, Sendable, Hashable {
        /// Ed25519 over the note text.
        case ed25519 = 0x01
        /// Timestamped Ed25519 checkpoint cosignature (`tlog-cosignature` v1).
        case cosignatureV1 = 0x04
    }

    /// The key name (an origin, or a witness's name).
    public let name: String
    /// The key ID: the first four bytes of the SHA-256 above, big-endian.
    public let keyID: UInt32
    /// What the key signs.
    public let type: SignatureType
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// The key `publicKey` under `name` for signatures of `type`; computes the key ID.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` for an invalid name (empty, white space, `+`)
    ///   or a public key that is not 32 bytes.
    public init(name: String, type: SignatureType, publicKey: [UInt8]) throws(AuditLogError) {
        guard NoteText.isValidKeyName(name) else {
            throw AuditLogError.malformed("key name \"\(name)\": empty, or holds white space, '+' or a control character")
        }
        guard publicKey.count == Ed25519.publicKeyLength else {
            throw AuditLogError.malformed("public key of \(name): \(publicKey.count) bytes, not 32")
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, type: type, publicKey: publicKey)
    }

    /// The key written as a vkey.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` naming the part that is wrong: not three
    ///   parts, an invalid name, a key ID that is not 8 lower-case hex digits or does not match
    ///   the key, base64 that is not strict, an unknown type, a key that is not 32 bytes.
    public init(parsing vkey: String) throws(AuditLogError) {
        let parts = vkey.utf8.split(separator: UInt8(ascii: "+"), maxSplits: 2, omittingEmptySubsequences: false).map { Substring($0) }
        guard parts.count == 3 else { throw AuditLogError.malformed("vkey: not <name>+<key ID>+<key>") }
        guard NoteText.isValidKeyName(parts[0]) else { throw AuditLogError.malformed("vkey: invalid key name") }
        guard parts[1].utf8.count == 8, let id = Hex.decode(parts[1]) else {
            throw AuditLogError.malformed("vkey: the key ID is not 8 lower-case hex digits")
        }
        guard let material = Base64.decode(parts[2]), let typeByte = material.first else {
            throw AuditLogError.malformed("vkey: the key is not base64")
        }
        guard let type = SignatureType(rawValue: typeByte) else {
            throw AuditLogError.malformed("vkey: unknown signature type 0x\(Hex.encode([typeByte]))")
        }
        try self.init(name: String(parts[0]), type: type, publicKey: Array(material.dropFirst()))
        guard keyID == Self.bigEndian(id) else {
            throw AuditLogError.malformed("vkey: key ID \(parts[1]) does not match the name and key")
        }
    }

    /// The vkey text.
    public var description: String {
        "\(name)+\(Self.hex(keyID))+\(Base64.encode([type.rawValue] + publicKey))"
    }

    /// Whether `signature` is this key's Ed25519 signature of `message` (the raw signature,
    /// without key ID or timestamp).
    public func verify(_ signature: [UInt8], message: [UInt8]) -> Bool {
        Ed25519.verify(signature, message: message, publicKey: publicKey)
    }

    static func keyID(name: String, type: SignatureType, publicKey: [UInt8]) -> UInt32 {
        let digest = SHA256.digest(Array(name.utf8) + [NoteText.newline, type.rawValue] + publicKey)
        return bigEndian(digest[0..<4])
    }

    static func bigEndian(_ bytes: some Collection<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func hex(_ id: UInt32) -> String {
        Hex.encode([UInt8(id >> 24 & 0xFF), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)])
    }
}
