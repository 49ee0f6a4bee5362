import COpenSSL

/// SHA-256 from the system OpenSSL, with the implementation fetched from the default provider
/// once (OpenSSL 3 otherwise looks it up on every call, and the tree hashes twice per leaf).
enum SHA256 {
    nonisolated(unsafe) private static let implementation: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    /// The 32-byte digest of `bytes`.
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(input.baseAddress, input.count, o.baseAddress, &length, implementation ?? EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return out
    }
}
