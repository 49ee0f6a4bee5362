extension JSONValue {
    /// Compact JSON: no insignificant whitespace, object keys in their stored order.
    /// This is the encoding the API answers with.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, sortKeys: false)
        return out
    }

    /// Canonical JSON: compact, object keys sorted by their UTF-8 bytes. Two values that
    /// mean the same thing serialize to the same bytes; the audit chain hashes this form.
    public func canonicalBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, sortKeys: true)
        return out
    }

    /// Whether `canonicalBytes()` is already the RFC 8785 (JCS) form of this value, so a caller
    /// that has one need not compute the other. The two differ only for numbers that are not
    /// integers below 9e15 (JCS writes them as ECMAScript does) and for object names holding a
    /// character beyond U+FFFF (JCS orders names by UTF-16 code units, the canonical form by
    /// UTF-8 bytes); string escaping is the same.
    public var canonicalIsJCS: Bool {
        switch self {
        case .null, .bool, .string: return true
        case .number(let d): return d.rounded() == d && abs(d) < 9.0e15
        case .array(let elements): return elements.allSatisfy(\.canonicalIsJCS)
        case .object(let o):
            return o.members.allSatisfy { m in m.key.utf8.allSatisfy { $0 < 0xF0 } && m.value.canonicalIsJCS }
        }
    }

    /// The compact encoding as a String.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    func write(to out: inout [UInt8], sortKeys: Bool) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): out.append(contentsOf: Self.format(number: d).utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                e.write(to: &out, sortKeys: sortKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = sortKeys
                ? object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                : object.members
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.write(to: &out, sortKeys: sortKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Integers print without a fraction; other numbers in Swift's shortest round-trip form.
    static func format(number d: Double) -> String {
        if d.rounded() == d, abs(d) < 9.0e15 { return String(Int64(d)) }
        return "\(d)"
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string (the canonical and JCS escaping, which are the same) to
    /// `out`: for a caller writing a canonical envelope field by field.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        writeString(s, to: &out)
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Copy runs of bytes that need no escape in one go (found eight at a time); escape the rest.
            var run = 0
            while true {
                let i = JSONStringScan.firstSpecial(utf8, from: run)
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
                guard i < utf8.count else { break }
                let b = utf8[i]
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                default: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
                run = i + 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
