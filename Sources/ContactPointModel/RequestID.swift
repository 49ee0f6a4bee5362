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
        // Over the contiguous UTF-8 bytes: iterating `text.utf8` cost ~2,300 instructions a call,
        // and ids are parsed a dozen times per request (Scripts/bench/instructions.sh).
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> RequestID? {
        guard utf8.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<36 {
            let c = utf8[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt64
            switch c {
            case 0x30...0x39: v = UInt64(c - 0x30)
            case 0x61...0x66: v = UInt64(c - 0x61 + 10)
            case 0x41...0x46: v = UInt64(c - 0x41 + 10)
            default: return nil
            }
            if i < 19 { high = high << 4 | v } else { low = low << 4 | v }
        }
        return RequestID(high: high, low: low)
    }

    /// A fresh version-4 UUID (RFC 9562 §5.4) from the system's random source (tests and tools;
    /// the daemon names what it creates with `timeOrdered(at:)`). Its `description` is the
    /// canonical lower-case text, without Foundation's UUID string and its lower-cased copy
    /// (~7,000 instructions each time on the intake path).
    public static func random() -> RequestID {
        var generator = SystemRandomNumberGenerator()
        let high = (generator.next() & ~UInt64(0xF000)) | 0x4000                             // version 4
        let low = (generator.next() & ~(UInt64(0xC) << 60)) | (UInt64(0x8) << 60)          // variant 10
        return RequestID(high: high, low: low)
    }

    /// A fresh version-7 UUID (RFC 9562 §5.7): `time`'s Unix milliseconds in the first 48 bits,
    /// then 74 bits from the system's random source. The daemon names new requests and events
    /// with these: ids made in the same moment sort together, so the store's indexes on them
    /// (`events.id`, `events (request_id, sequence)`, `cases`, `data_keys`) grow at their right
    /// edge, and a group commit writes a few shared pages instead of one page per id at a
    /// random place (62–68 KB written to disk per intake request with version 4, 22 KB with
    /// version 7: docs/performance.md). The time is the daemon's clock, which a request already
    /// shows in its own `submitted_at`; a time before 1970 counts as 0.
    public static func timeOrdered(at time: Instant) -> RequestID {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, min(time.millisecondsSince1970, 0xFFFF_FFFF_FFFF)))
        let high = milliseconds << 16 | 0x7000 | (generator.next() & 0x0FFF)                 // version 7
        let low = (generator.next() & ~(UInt64(0xC) << 60)) | (UInt64(0x8) << 60)          // variant 10
        return RequestID(high: high, low: low)
    }

    /// The version field (RFC 9562 §4.2): 4 for `random()`, 7 for `timeOrdered(at:)`.
    public var version: Int { Int(high >> 12 & 0xF) }

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
