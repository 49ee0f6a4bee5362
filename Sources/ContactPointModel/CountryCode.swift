/// An ISO 3166-1 alpha-2 country code naming a contact point (`VN`, `DE`, `US`).
///
/// Only officially assigned codes are accepted, so a typo such as `UK` (not assigned;
/// the United Kingdom is `GB`) is refused rather than routed nowhere.
public struct CountryCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The two ASCII letters packed in two bytes (a request record holds two of these).
    public let packed: UInt16

    /// The code, if `text` is an officially assigned ISO 3166-1 alpha-2 code (upper case).
    public init?(_ text: String) {
        var utf8 = text.utf8.makeIterator()
        guard let first = utf8.next(), let second = utf8.next(), utf8.next() == nil else { return nil }
        self.init(packed: UInt16(first) << 8 | UInt16(second))
    }

    /// The code from its packed form, if it is an assigned code.
    public init?(packed: UInt16) {
        guard let bit = Self.bit(packed), Self.assignedBits[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { return nil }
        self.packed = packed
    }

    /// The code's bit in `assignedBits` (26 × 26 letter pairs), if both bytes are upper-case letters.
    private static func bit(_ packed: UInt16) -> Int? {
        let a = Int(packed >> 8) - Int(UInt8(ascii: "A")), b = Int(packed & 0xFF) - Int(UInt8(ascii: "A"))
        guard (0..<26).contains(a), (0..<26).contains(b) else { return nil }
        return a * 26 + b
    }

    /// `assigned` as a bitmap over the letter pairs: checking a code is a shift and a mask, not
    /// a hash of a string (a start reads two per request, a million requests at a time).
    private static let assignedBits: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: (26 * 26 + 63) / 64)
        for code in assigned {
            let u = Array(code.utf8)
            let bit = bit(UInt16(u[0]) << 8 | UInt16(u[1]))!
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        return bits
    }()

    /// The two upper-case letters.
    public var code: String { String(decoding: [UInt8(packed >> 8), UInt8(packed & 0xFF)], as: UTF8.self) }

    public var description: String { code }

    public static func < (lhs: CountryCode, rhs: CountryCode) -> Bool { lhs.packed < rhs.packed }

    /// The 249 officially assigned ISO 3166-1 alpha-2 codes.
    static let assigned: Set<String> = Set("""
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
        BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
        DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
        GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
        KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
        MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
        PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
        SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
        VN VU WF WS YE YT ZA ZM ZW
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
}
