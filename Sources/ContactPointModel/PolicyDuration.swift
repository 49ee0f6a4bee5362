/// A length of time as the policy writes it: `30s`, `45m`, `8h`, `3d`, or a sum such as
/// `1d12h`. Whole seconds; never negative.
public struct PolicyDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in seconds.
    public var seconds: Int64

    /// A duration of this many seconds.
    public init(seconds: Int64) { self.seconds = seconds }

    public static func seconds(_ n: Int64) -> PolicyDuration { PolicyDuration(seconds: n) }
    public static func minutes(_ n: Int64) -> PolicyDuration { PolicyDuration(seconds: n * 60) }
    public static func hours(_ n: Int64) -> PolicyDuration { PolicyDuration(seconds: n * 3600) }
    public static func days(_ n: Int64) -> PolicyDuration { PolicyDuration(seconds: n * 86_400) }
    public static let zero = PolicyDuration(seconds: 0)

    public static func < (lhs: PolicyDuration, rhs: PolicyDuration) -> Bool { lhs.seconds < rhs.seconds }
    public static func + (lhs: PolicyDuration, rhs: PolicyDuration) -> PolicyDuration {
        PolicyDuration(seconds: lhs.seconds + rhs.seconds)
    }
    public static func * (lhs: PolicyDuration, rhs: Int64) -> PolicyDuration {
        PolicyDuration(seconds: lhs.seconds * rhs)
    }

    /// Parses `30s`, `45m`, `8h`, `3d` and sums like `1d12h`. Nil for anything else
    /// (no unit, an unknown unit, a negative or empty number, or an absurd length).
    public init?(parsing text: String) {
        var total: Int64 = 0
        var number: Int64? = nil
        var sawUnit = false
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(Int64(c - 0x30))
                guard !o1, !o2, v < 1_000_000_000 else { return nil }
                number = v
            case UInt8(ascii: "s"), UInt8(ascii: "m"), UInt8(ascii: "h"), UInt8(ascii: "d"):
                guard let n = number else { return nil }
                let unit: Int64 = c == UInt8(ascii: "s") ? 1 : c == UInt8(ascii: "m") ? 60 : c == UInt8(ascii: "h") ? 3600 : 86_400
                total += n * unit
                number = nil
                sawUnit = true
            default:
                return nil
            }
        }
        guard sawUnit, number == nil, total < 100 * 365 * 86_400 else { return nil }
        seconds = total
    }

    /// The shortest policy spelling: `90m` stays `90m`, `86400s` becomes `1d`, `36h` stays `36h`.
    public var description: String {
        if seconds == 0 { return "0s" }
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// A readable length for alerts: `2h 5m`, `3d 4h`, `45s`.
    public var humanReadable: String {
        var rest = seconds
        var parts: [String] = []
        for (unit, name) in [(Int64(86_400), "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            parts.append("\(rest / unit)\(name)")
            rest %= unit
            if parts.count == 2 { break }
        }
        return parts.isEmpty ? "0s" : parts.joined(separator: " ")
    }
}
