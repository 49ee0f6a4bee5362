/// A C2SP signed note: a text (the body) signed by one or more keys.
///
/// Format: the body (UTF-8, non-empty, ending in a newline, no control character other than
/// newline), an empty line, then one or more ``NoteSignature`` lines. The body is everything
/// before the last empty line, its final newline included. Parsing is strict: anything else
/// is refused, and a parsed note formats back to the same bytes.
///
/// A note means nothing until ``verify(with:)`` has found a valid signature by a trusted key;
/// signatures by keys not in the trusted set are kept but ignored.
public struct SignedNote: Sendable, Hashable {
    /// At most this many signature lines are accepted (the spec asks for at least 16).
    public static let maximumSignatures = 100

    /// The note text, final newline included.
    public let body: String
    /// The signature lines, in order.
    public let signatures: [NoteSignature]

    /// A note with this body and these signatures.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` for an empty body, a body without its final
    ///   newline or with a control character, no signature, or more than
    ///   ``maximumSignatures``.
    public init(body: String, signatures: [NoteSignature]) throws(AuditLogError) {
        try Self.checkBody(body)
        guard !signatures.isEmpty else { throw AuditLogError.malformed("note: no signature") }
        guard signatures.count <= Self.maximumSignatures else {
            throw AuditLogError.malformed("note: more than \(Self.maximumSignatures) signatures")
        }
        self.body = body
        self.signatures = signatures
    }

    /// Parses a signed note from its bytes.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` naming the first thing wrong: not UTF-8, a
    ///   control character, no final newline, no empty line before the signatures, a malformed
    ///   signature line, too many signatures.
    public init(parsing bytes: some Collection<UInt8>) throws(AuditLogError) {
        try self.init(parsing: NoteText.utf8(bytes, "note"))
    }

    /// Parses a signed note from its text.
    ///
    /// - Throws: ``AuditLogError/malformed(_:)``, as the form that takes bytes.
    public init(parsing text: String) throws(AuditLogError) {
        try NoteText.checkNoControlCharacters(text, "note")
        let bytes = Array(text.utf8)
        guard bytes.last == NoteText.newline else { throw AuditLogError.malformed("note: does not end in a newline") }
        // The last "\n\n": the body's final newline, then the empty line.
        var split: Int?
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == NoteText.newline && bytes[i + 1] == NoteText.newline { split = i; break }
            i -= 1
        }
        guard let split else { throw AuditLogError.malformed("note: no empty line between the text and the signatures") }
        let body = String(decoding: bytes[...split], as: UTF8.self)
        let signatureText = Substring(String(decoding: bytes[(split + 2)...], as: UTF8.self))
        guard !signatureText.isEmpty else { throw AuditLogError.malformed("note: no signature after the empty line") }
        var signatures: [NoteSignature] = []
        for line in try NoteText.lines(signatureText, "note") {
            guard signatures.count < Self.maximumSignatures else {
                throw AuditLogError.malformed("note: more than \(Self.maximumSignatures) signatures")
            }
            signatures.append(try NoteSignature(lineWithoutNewline: line))
        }
        try self.init(body: body, signatures: signatures)
    }

    /// The body signed with `key` under `name` (an Ed25519 note signature, type 0x01).
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` for a body or name the format refuses;
    ///   ``AuditLogError/keyFailure(_:)`` if OpenSSL fails to sign.
    public static func sign(body: String, name: String, key: LogKey) throws(AuditLogError) -> SignedNote {
        try checkBody(body)
        let verifier = try key.verifierKey(name: name, type: .ed25519)
        let signature = try key.sign(Array(body.utf8))
        return try SignedNote(body: body, signatures: [NoteSignature(name: name, keyID: verifier.keyID, signature: signature)])
    }

    /// The note with `signature` appended (a cosignature, or the log's signature by a second key).
    ///
    /// - Throws: ``AuditLogError/malformed(_:)`` beyond ``maximumSignatures``.
    public func adding(_ signature: NoteSignature) throws(AuditLogError) -> SignedNote {
        try SignedNote(body: body, signatures: signatures + [signature])
    }

    /// The note's text: body, empty line, signature lines.
    public var text: String {
        body + "\n" + signatures.map(\.line).joined()
    }

    /// Checks the signatures against `keys` and returns those made by one of them.
    ///
    /// A signature whose key name and key ID match no key is ignored. One that matches a key
    /// must verify: an Ed25519 signature over the body for a `.ed25519` key, a cosignature
    /// over the body and its timestamp for a `.cosignatureV1` key.
    ///
    /// - Throws: ``AuditLogError/verificationFailed(_:)`` if a matching signature does not
    ///   verify (the note is then refused whole), if two different keys share a name and key
    ///   ID, or if no signature matches any key.
    @discardableResult
    public func verify(with keys: [VerifierKey]) throws(AuditLogError) -> [NoteSignature] {
        var verified: [NoteSignature] = []
        for signature in signatures {
            let matching = keys.filter { $0.name == signature.name && $0.keyID == signature.keyID }
            guard let key = matching.first else { continue }
            guard matching.allSatisfy({ $0 == key }) else {
                throw AuditLogError.verificationFailed("ambiguous key \(key.name)+\(VerifierKey.hex(key.keyID))")
            }
            guard Self.verify(signature, body: body, key: key) else {
                throw AuditLogError.verificationFailed("the signature of \(key.name)+\(VerifierKey.hex(key.keyID)) does not verify")
            }
            verified.append(signature)
        }
        guard !verified.isEmpty else { throw AuditLogError.verificationFailed("note: no signature from a known key") }
        return verified
    }

    private static func verify(_ signature: NoteSignature, body: String, key: VerifierKey) -> Bool {
        switch key.type {
        case .ed25519:
            return key.verify(signature.signature, message: Array(body.utf8))
        case .cosignatureV1:
            guard let cosignature = try? Cosignature(signature) else { return false }
            return cosignature.verify(checkpointBody: body, key: key)
        }
    }

    static func checkBody(_ body: String) throws(AuditLogError) {
        guard !body.isEmpty else { throw AuditLogError.malformed("note: empty text") }
        guard body.utf8.last == NoteText.newline else { throw AuditLogError.malformed("note: the text does not end in a newline") }
        try NoteText.checkNoControlCharacters(body, "note")
    }
}
