import COpenSSL

/// A daemon's Ed25519 private key: the log key that signs its checkpoints, and the witness key
/// that signs its cosignatures of its partners' checkpoints (docs/audit.md, sections 3–4).
///
/// Kept on disk as an unencrypted PKCS#8 PEM file (`-----BEGIN PRIVATE KEY-----`, what
/// `openssl genpkey -algorithm ed25519` writes), mode 0600. The key has no name of its own: the
/// name (the daemon's origin) is given where a signature or a ``VerifierKey`` is made.
///
/// Safe to use from any thread: the OpenSSL key is never changed after it is made, and every
/// signature uses its own context.
public final class LogKey: @unchecked Sendable {
    /// The OpenSSL `EVP_PKEY`, owned by this object.
    private let key: OpaquePointer

    private init(owning key: OpaquePointer) {
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// A new random key (from OpenSSL's default random generator).
    public static func generate() throws(AuditLogError) -> LogKey {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw AuditLogError.keyFailure("OpenSSL has no Ed25519 (\(Ed25519.openSSLError()))")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw AuditLogError.keyFailure("OpenSSL failed to generate an Ed25519 key (\(Ed25519.openSSLError()))")
        }
        return LogKey(owning: key)
    }

    /// The key in PKCS#8 PEM text.
    ///
    /// - Throws: ``AuditLogError/keyFailure(_:)`` if the text holds no private key, or one that
    ///   is not Ed25519.
    public convenience init(pem: String) throws(AuditLogError) {
        var text = Array(pem.utf8)
        defer { Self.wipe(&text) }
        self.init(owning: try Self.parse(pem: text, source: "the text"))
    }

    /// The key in the PKCS#8 PEM file at `path`.
    ///
    /// - Throws: ``AuditLogError/keyFailure(_:)`` naming the file if it cannot be read or holds
    ///   no Ed25519 private key.
    public convenience init(pemFile path: String) throws(AuditLogError) {
        var bytes = try KeyFile.read(path)
        defer { Self.wipe(&bytes) }
        self.init(owning: try Self.parse(pem: bytes, source: path))
    }

    /// The Ed25519 `EVP_PKEY` in the PEM bytes; `source` names them in errors.
    private static func parse(pem: [UInt8], source: String) throws(AuditLogError) -> OpaquePointer {
        let parsed: OpaquePointer? = pem.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let parsed else {
            throw AuditLogError.keyFailure("\(source): no PEM private key (\(Ed25519.openSSLError()))")
        }
        guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(parsed)
            throw AuditLogError.keyFailure("\(source): the private key is not an Ed25519 key")
        }
        return parsed
    }

    /// The key as unencrypted PKCS#8 PEM text.
    public func pem() throws(AuditLogError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw AuditLogError.keyFailure("OpenSSL: out of memory") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1 else {
            throw AuditLogError.keyFailure("OpenSSL failed to write the key (\(Ed25519.openSSLError()))")
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = cpo_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw AuditLogError.keyFailure("OpenSSL wrote an empty key") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Writes the key as PKCS#8 PEM to a new file at `path`, mode 0600, durably (written to a
    /// temporary file in the same directory, fsynced, linked into place, directory fsynced).
    ///
    /// - Throws: ``AuditLogError/keyFailure(_:)`` if `path` already exists (a log key is never
    ///   overwritten: its signatures would no longer verify) or cannot be written.
    public func write(pemFile path: String) throws(AuditLogError) {
        var text = Array(try pem().utf8)
        defer { Self.wipe(&text) }
        try KeyFile.create(path, contents: text)
    }

    /// The 32-byte Ed25519 public key (RFC 8032 encoding).
    public var publicKey: [UInt8] {
        var out = [UInt8](repeating: 0, count: Ed25519.publicKeyLength)
        var length = out.count
        let ok = EVP_PKEY_get_raw_public_key(key, &out, &length)
        precondition(ok == 1 && length == Ed25519.publicKeyLength, "OpenSSL: an Ed25519 key without its public key")
        return out
    }

    /// The 64-byte Ed25519 signature of `message`.
    public func sign(_ message: [UInt8]) throws(AuditLogError) -> [UInt8] {
        try Ed25519.sign(message, key: key)
    }

    /// The verifier key of this key under `name`, for note signatures (`.ed25519`, the log's
    /// checkpoints) or cosignatures (`.cosignatureV1`, as a witness).
    public func verifierKey(name: String, type: VerifierKey.SignatureType = .ed25519) throws(AuditLogError) -> VerifierKey {
        try VerifierKey(name: name, type: type, publicKey: publicKey)
    }

    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }
}
