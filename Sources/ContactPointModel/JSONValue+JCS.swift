extension JSONValue {
    /// The JSON Canonicalization Scheme form (RFC 8785) of this value: the leaf data of the
    /// audit log's Merkle tree (docs/audit.md, section 1).
    ///
    /// - Object members sorted by their names compared as UTF-16 code units (not UTF-8 bytes
    ///   and not Unicode scalars: the two orders differ above U+FFFF); no whitespace.
    /// - Strings escape `"`, `\` and U+0000–U+001F only (`\b \t \n \f \r`, else `\u00xx` in
    ///   lower-case hex); everything else, U+007F and non-BMP characters included, is literal
    ///   UTF-8. No Unicode normalization.
    /// - Numbers as ECMAScript's `Number.prototype.toString` (RFC 8785 §3.2.2.3).
    ///
    /// This differs from ``canonicalBytes()`` (UTF-8 key order, Swift number form), which the
    /// hash chain of existing logs keeps using.
    ///
    /// - Precondition: no number is NaN or infinite (``JSONParser`` refuses them; a value built
    ///   in code must not hold one).
    public func jcsBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        writeJCS(to: &out)
        return out
    }

    private func writeJCS(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): out.append(contentsOf: Self.jcsNumber(d).utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                e.writeJCS(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = object.members.sorted { Self.jcsPrecedes($0.key, $1.key) }
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.writeJCS(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Whether name `a` sorts before `b` in JCS order (UTF-16 code units). Without a character
    /// beyond U+FFFF (a UTF-8 lead byte of 0xF0 or more) in either, UTF-16 code units are the
    /// code points, whose order is that of the UTF-8 bytes: compared in place, without
    /// transcoding each name to UTF-16 (a sealed request's members were sorted that way).
    static func jcsPrecedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        let byBytes: Bool? = a.withUTF8 { ua in
            b.withUTF8 { ub in
                ua.contains(where: { $0 >= 0xF0 }) || ub.contains(where: { $0 >= 0xF0 }) ? nil : ua.lexicographicallyPrecedes(ub)
            }
        }
        return byBytes ?? a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// `d` as ECMAScript's `Number.prototype.toString` writes it (ECMA-262 Number::toString,
    /// radix 10), as RFC 8785 §3.2.2.3 requires.
    ///
    /// With the shortest digits `s` (k of them) and the exponent `n` such that the value is
    /// `0.s × 10^n`: plain digits and zeros when k ≤ n ≤ 21; a decimal point inside the digits
    /// when 0 < n ≤ 21; `0.000s` when −6 < n ≤ 0; otherwise `d.ddde±x`.
    static func jcsNumber(_ d: Double) -> String {
        precondition(d.isFinite, "JCS: NaN and infinities have no JSON form")
        if d == 0 { return "0" }  // +0 and -0 alike
        if d < 0 { return "-" + jcsNumber(-d) }
        let (digits, n) = shortestDigits(d)
        let k = digits.count
        if k <= n && n <= 21 {
            return String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(decoding: digits[0..<n], as: UTF8.self) + "."
                + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + String(decoding: digits, as: UTF8.self)
        }
        let exponent = n - 1
        var text = String(decoding: digits[0..<1], as: UTF8.self)
        if k > 1 { text += "." + String(decoding: digits[1...], as: UTF8.self) }
        return text + (exponent < 0 ? "e-" : "e+") + String(exponent.magnitude)
    }

    /// The shortest decimal digits that round-trip to `d` (positive, finite), without leading
    /// or trailing zeros, and the exponent `n` with `d ≈ 0.digits × 10^n`.
    ///
    /// Swift's `description` already picks the shortest round-trip digits (and, of several, the
    /// one nearest the exact value, as ECMAScript does); only its layout differs ("1e-07",
    /// "100.0", "1.5e+300"), so this reads the digits and the point's position back out of it.
    private static func shortestDigits(_ d: Double) -> (digits: [UInt8], exponent: Int) {
        let text = Array(d.description.utf8)
        let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) ?? text.count
        let mantissa = text[..<e]
        var exponent = 0
        if e < text.count {
            var rest = text[(e + 1)...]
            var negative = false
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                rest = rest.dropFirst()
            }
            for c in rest { exponent = exponent * 10 + Int(c - UInt8(ascii: "0")) }
            if negative { exponent = -exponent }
        }
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        for c in mantissa {
            if c == UInt8(ascii: ".") { pointPosition = digits.count } else { digits.append(c) }
        }
        var n = (pointPosition ?? digits.count) + exponent
        let leadingZeros = digits.prefix(while: { $0 == UInt8(ascii: "0") }).count
        digits.removeFirst(leadingZeros)
        n -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        precondition(!digits.isEmpty, "JCS: no digits in \(d.description)")
        return (digits, n)
    }
}
