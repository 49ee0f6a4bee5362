import COpenSSL

/// SHA-256 from the system OpenSSL's libcrypto, as the audit chain uses it.
public enum SHA256 {
    /// The digest of `bytes`, as 64 lower-case hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        hex(of: digest(bytes))
    }

    /// The 32-byte digest of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { md in
                EVP_Digest(input.baseAddress, input.count, md.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return out
    }

    /// The digest of the concatenation of `parts`, without copying them together.
    public static func hex(concatenating parts: [[UInt8]]) -> String {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("OpenSSL: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        var ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        for part in parts {
            ok &= part.withUnsafeBytes { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        }
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        ok &= out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(ctx, $0.baseAddress, &length) }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return hex(of: out)
    }

    /// HMAC-SHA256 of `message` under `key`, as 64 lower-case hex digits (webhook signatures).
    public static func hmacHex(key: [UInt8], message: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBufferPointer { o in
                    _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self),
                             m.count, o.baseAddress, &length)
                }
            }
        }
        return hex(of: out)
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(of bytes: [UInt8]) -> String {
        var chars = [UInt8]()
        chars.reserveCapacity(bytes.count * 2)
        for b in bytes {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 0xF)])
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
