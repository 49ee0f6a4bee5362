/// Finding the next byte of a JSON string that is not copied as it is — a `"`, a `\` or a
/// control character below U+0020 — eight bytes at a time. Every string the daemon writes
/// (a response, a canonical envelope, sealed content in base64) and every string it parses
/// passes through this scan; byte by byte it was about a twentieth of an intake request's
/// instructions (docs/performance.md).
enum JSONStringScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the eight bytes of `w` is below 0x20, or is `"` or `\`. Exact: the
    /// borrow of `x - ones` reaches a byte's high bit only past a byte that truly matched,
    /// and a byte of 0x80 or above (UTF-8 beyond ASCII) never matches, since `~x` clears
    /// its high bit.
    @inline(__always)
    static func needsEscape(_ w: UInt64) -> Bool {
        let control = (w &- ones &* 0x20) & ~w & highs
        let q = w ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = w ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return (control | quote | backslash) != 0
    }

    @inline(__always)
    static func isSpecial(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    /// The index of the first special byte of `bytes` at or after `start`, or `bytes.count`.
    @inline(__always)
    static func firstSpecial(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return bytes.count }
        let n = bytes.count
        var i = start
        while i + 8 <= n, !needsEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { i += 8 }
        while i < n, !isSpecial(base[i]) { i += 1 }
        return i
    }

    /// Whether every byte of `bytes` is ASCII (below 0x80), eight at a time.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= n {
            high |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        while i < n { high |= UInt64(base[i]); i += 1 }
        return high & highs == 0
    }
}
