import COpenSSL

/// Ed25519 (RFC 8032) over OpenSSL 3's EVP interface: the one-shot `EVP_DigestSign` /
/// `EVP_DigestVerify` with no digest, as pure Ed25519 requires.
enum Ed25519 {
    static let publicKeyLength = 32
    static let signatureLength = 64

    /// The 64-byte signature of `message` by the private key `key`.
    static func sign(_ message: [UInt8], key: OpaquePointer) throws(AuditLogError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw AuditLogError.keyFailure("OpenSSL: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, key) == 1 else {
            throw AuditLogError.keyFailure("OpenSSL refused to start an Ed25519 signature (\(openSSLError()))")
        }
        var signature = [UInt8](repeating: 0, count: signatureLength)
        var length = signatureLength
        let ok = message.withUnsafeBufferPointer { m in
            signature.withUnsafeMutableBufferPointer { s in
                EVP_DigestSign(ctx, s.baseAddress, &length, m.baseAddress, m.count)
            }
        }
        guard ok == 1, length == signatureLength else {
            throw AuditLogError.keyFailure("OpenSSL failed to sign (\(openSSLError()))")
        }
        return signature
    }

    /// Whether `signature` is a valid signature of `message` by the 32-byte `publicKey`.
    static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureLength, publicKey.count == publicKeyLength else { return false }
        let key = publicKey.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }
        guard let key else {
            ERR_clear_error()
            return false
        }
        defer { EVP_PKEY_free(key) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key) == 1 else {
            ERR_clear_error()
            return false
        }
        let ok = message.withUnsafeBufferPointer { m in
            signature.withUnsafeBufferPointer { s in
                EVP_DigestVerify(ctx, s.baseAddress, s.count, m.baseAddress, m.count)
            }
        }
        ERR_clear_error()
        return ok == 1
    }

    /// The oldest error on this thread's OpenSSL queue, as text; clears the queue.
    static func openSSLError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no detail" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
