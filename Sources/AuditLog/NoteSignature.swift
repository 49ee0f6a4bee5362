/// One signature line of a signed note: `— <key name> <base64(key ID || signature)>` and a
/// newline (C2SP `signed-note`, "Signatures").
///
/// The key ID is four bytes, big-endian; what follows depends on the key's type: 64 bytes of
/// Ed25519 signature for a note signature, an 8-byte timestamp and 64 bytes for a
/// ``Cosignature``.
public struct NoteSignature: Sendable, Hashable {
    /// The key name.
    public let name: String
    /// The key ID.
    public let keyID: UInt32
    /// The bytes after the key ID (at least one).
    public let signature: [UInt8]

    /// A signature line's parts.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` for an invalid key name or an empty signature.
    public init(name: String, keyID: UInt32, signature: [UInt8]) throws(AuditLogError) {
        guard NoteText.isValidKeyName(name) else {
            throw AuditLogError.malformed("signature line: key name \"\(name)\" is empty, or holds white space, '+' or a control character")
        }
        guard !signature.isEmpty else { throw AuditLogError.malformed("signature line: no signature bytes") }
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// Parses one signature line, newline included.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` unless the line is `— `, a valid key name, one
    ///   space, strict base64 of at least five bytes, and a newline.
    public init(line: String) throws(AuditLogError) {
        // Bytes, not Characters: "\r\n" is one Character in Swift.
        guard line.utf8.last == NoteText.newline else {
            throw AuditLogError.malformed("signature line: does not end in a newline")
        }
        let content = Substring(line.utf8.dropLast())
        guard !content.utf8.contains(NoteText.newline) else { throw AuditLogError.malformed("signature line: more than one line") }
        try NoteText.checkNoControlCharacters(content, "signature line")
        try self.init(lineWithoutNewline: content)
    }

    /// Parses a signature line without its newline.
    init(lineWithoutNewline line: Substring) throws(AuditLogError) {
        guard line.utf8.starts(with: NoteText.signaturePrefix) else {
            throw AuditLogError.malformed("signature line: does not start with \"— \"")
        }
        // Split on bytes, not Characters: a combining mark after a space must not merge with it.
        let rest = line.utf8.dropFirst(NoteText.signaturePrefix.count)
        guard let space = rest.firstIndex(of: 0x20) else {
            throw AuditLogError.malformed("signature line: no space between the key name and the signature")
        }
        let parts = [Substring(rest[..<space]), Substring(rest[rest.index(after: space)...])]
        guard NoteText.isValidKeyName(parts[0]) else {
            throw AuditLogError.malformed("signature line: key name \"\(parts[0])\" is empty, or holds white space, '+' or a control character")
        }
        guard let bytes = Base64.decode(parts[1]) else {
            throw AuditLogError.malformed("signature line of \(parts[0]): the signature is not base64")
        }
        guard bytes.count >= 5 else {
            throw AuditLogError.malformed("signature line of \(parts[0]): \(bytes.count) bytes, fewer than a key ID and a signature")
        }
        try self.init(name: String(parts[0]), keyID: VerifierKey.bigEndian(bytes[0..<4]), signature: Array(bytes[4...]))
    }

    /// The line: `— <name> <base64>` and a newline.
    public var line: String {
        let id = [UInt8(keyID >> 24 & 0xFF), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
        return "\u{2014} \(name) \(Base64.encode(id + signature))\n"
    }
}
