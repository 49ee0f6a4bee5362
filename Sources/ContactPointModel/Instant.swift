import Foundation

/// A UTC instant with millisecond precision: when something happened or falls due.
///
/// Deadlines here are legal deadlines, so they are wall-clock UTC instants, not
/// monotonic times. Input is RFC 3339 with an explicit zone (`Z` or `±hh:mm`); output is
/// always UTC (`2026-11-23T08:00:00Z`, with `.sss` only when the milliseconds are not zero).
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSince1970: Int64

    /// The instant this many milliseconds after the Unix epoch.
    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    /// The instant of a Foundation `Date`, truncated to milliseconds.
    public init(_ date: Date) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Now, from the wall clock.
    public static func now() -> Instant { Instant(Date()) }

    /// This instant as a Foundation `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }

    /// The instant `duration` later.
    public static func + (lhs: Instant, rhs: PolicyDuration) -> Instant {
        Instant(millisecondsSince1970: lhs.millisecondsSince1970 + rhs.seconds * 1000)
    }

    /// The instant `duration` earlier.
    public static func - (lhs: Instant, rhs: PolicyDuration) -> Instant {
        Instant(millisecondsSince1970: lhs.millisecondsSince1970 - rhs.seconds * 1000)
    }

    /// Milliseconds from `other` to `self` (negative if `self` is earlier).
    public func milliseconds(since other: Instant) -> Int64 {
        millisecondsSince1970 - other.millisecondsSince1970
    }

    public var description: String { rfc3339 }

    /// RFC 3339 in UTC. Written digit by digit into 24 bytes: it is on every request's hot path
    /// (each event's time, each deadline), where building it from padded strings cost ~9,000
    /// instructions (Scripts/bench/instructions.sh).
    public var rfc3339: String {
        let ms = millisecondsSince1970
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = Int(ms - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = Self.civil(fromDays: days)
        guard (0...9999).contains(y) else {
            // Outside four-digit years (never a real deadline): the plain, unhurried form.
            var text = Self.pad(y, 4) + "-" + Self.pad(m, 2) + "-" + Self.pad(d, 2) + "T"
                + Self.pad(secondOfDay / 3600, 2) + ":" + Self.pad(secondOfDay / 60 % 60, 2) + ":" + Self.pad(secondOfDay % 60, 2)
            if millis != 0 { text += "." + Self.pad(millis, 3) }
            return text + "Z"
        }
        let length = millis != 0 ? 24 : 20
        return String(unsafeUninitializedCapacity: length) { b in
            func put(_ value: Int, _ width: Int, at start: Int) {
                var v = value
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    b[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0); b[4] = UInt8(ascii: "-"); put(m, 2, at: 5); b[7] = UInt8(ascii: "-"); put(d, 2, at: 8)
            b[10] = UInt8(ascii: "T"); put(secondOfDay / 3600, 2, at: 11); b[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14); b[16] = UInt8(ascii: ":"); put(secondOfDay % 60, 2, at: 17)
            if millis != 0 { b[19] = UInt8(ascii: "."); put(millis, 3, at: 20) }
            b[length - 1] = UInt8(ascii: "Z")
            return length
        }
    }

    /// Parses RFC 3339 `date-time` (a zone is required). Returns nil for anything else,
    /// including impossible dates such as February 30th.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var millis = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if i - start < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(i - start, 3)..<3 { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh <= 23, om <= 59
            else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        millisecondsSince1970 = seconds * 1000 + Int64(millis)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil and civil-from-days (proleptic Gregorian).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
