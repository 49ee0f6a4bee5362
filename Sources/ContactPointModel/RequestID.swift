/// A request's id: a UUID kept as 128 bits rather than a 36-character string, so a million
/// open requests cost 16 bytes of key each and no heap allocation.
public struct RequestID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses `2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e` (either case); nil for anything else.
    public init?(_ text: String) {
        var high: UInt64 = 0, low: UInt64 = 0
        var digits = 0
        var count = 0
        for c in text.utf8 {
            count += 1
            if c == UInt8(ascii: "-") {
                guard [9, 14, 19, 24].contains(count) else { return nil }
                continue
            }
            let v: UInt64
            switch c {
            case 0x30...0x39: v = UInt64(c - 0x30)
            case 0x61...0x66: v = UInt64(c - 0x61 + 10)
            case 0x41...0x46: v = UInt64(c - 0x41 + 10)
            default: return nil
            }
            if digits < 16 { high = high << 4 | v } else { low = low << 4 | v }
            digits += 1
        }
        guard count == 36, digits == 32 else { return nil }
        self.high = high
        self.low = low
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case canonical form.
    public var description: String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        for i in 0..<32 {
            if i == 8 || i == 12 || i == 16 || i == 20 { bytes.append(UInt8(ascii: "-")) }
            let word = i < 16 ? high : low
            let shift = UInt64((15 - i % 16) * 4)
            bytes.append(Self.hex[Int((word >> shift) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func < (a: RequestID, b: RequestID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
