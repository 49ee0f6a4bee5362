import COpenSSL

/// AES-256-GCM through OpenSSL's EVP interface: a fresh random 96-bit nonce per sealing, a
/// 128-bit tag, and associated data that must match on opening.
///
/// A sealed box is `nonce (12) ‖ ciphertext ‖ tag (16)`, the layout docs/privacy.md specifies
/// for an independent reader.
public enum AESGCM {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    nonisolated(unsafe) private static let cipher: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)

    /// `count` bytes from OpenSSL's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "OpenSSL RAND_bytes failed")
        return out
    }

    /// Seals `plaintext` under `key` (32 bytes), binding `aad`.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], aad: [UInt8]) -> [UInt8] {
        precondition(key.count == keySize, "AES-256-GCM needs a 32-byte key")
        let nonce = randomBytes(nonceSize)
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("OpenSSL: out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = nonce
        out.reserveCapacity(nonceSize + plaintext.count + tagSize)
        var body = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        var total = 0
        var ok = EVP_EncryptInit_ex2(ctx, cipher ?? EVP_aes_256_gcm(), key, nonce, nil) == 1
        if ok && !aad.isEmpty { ok = EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 }
        if ok && !plaintext.isEmpty {
            ok = body.withUnsafeMutableBufferPointer { EVP_EncryptUpdate(ctx, $0.baseAddress, &length, plaintext, Int32(plaintext.count)) } == 1
            total = Int(length)
        }
        if ok {
            ok = body.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + total, &length) } == 1
            total += Int(length)
        }
        var tag = [UInt8](repeating: 0, count: tagSize)
        if ok { ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), &tag) == 1 }
        precondition(ok, "OpenSSL AES-256-GCM sealing failed")
        out += body[0..<total]
        out += tag
        return out
    }

    /// The plaintext of `box`, or nil if it was not sealed under `key` with `aad`, or was altered.
    public static func open(_ box: [UInt8], key: [UInt8], aad: [UInt8]) -> [UInt8]? {
        guard key.count == keySize, box.count >= nonceSize + tagSize else { return nil }
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let nonce = Array(box[0..<nonceSize])
        let body = Array(box[nonceSize..<(box.count - tagSize)])
        var tag = Array(box[(box.count - tagSize)...])
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex2(ctx, cipher ?? EVP_aes_256_gcm(), key, nonce, nil) == 1 else { return nil }
        if !aad.isEmpty { guard EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 else { return nil } }
        if !body.isEmpty {
            guard out.withUnsafeMutableBufferPointer({ EVP_DecryptUpdate(ctx, $0.baseAddress, &length, body, Int32(body.count)) }) == 1
            else { return nil }
            total = Int(length)
        }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), &tag) == 1 else { return nil }
        guard out.withUnsafeMutableBufferPointer({ EVP_DecryptFinal_ex(ctx, $0.baseAddress! + total, &length) }) == 1 else { return nil }
        total += Int(length)
        return Array(out[0..<total])
    }
}
