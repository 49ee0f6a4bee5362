/// An ISO 3166-1 alpha-2 country code naming a contact point (`VN`, `DE`, `US`).
///
/// Only officially assigned codes are accepted, so a typo such as `UK` (not assigned;
/// the United Kingdom is `GB`) is refused rather than routed nowhere.
public struct CountryCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The two ASCII letters packed in two bytes (a request record holds two of these).
    public let packed: UInt16

    /// The code, if `text` is an officially assigned ISO 3166-1 alpha-2 code (upper case).
    public init?(_ text: String) {
        guard text.utf8.count == 2, Self.assigned.contains(text) else { return nil }
        let b = Array(text.utf8)
        packed = UInt16(b[0]) << 8 | UInt16(b[1])
    }

    /// The code from its packed form, if it is an assigned code.
    public init?(packed: UInt16) {
        self.init(String(decoding: [UInt8(packed >> 8), UInt8(packed & 0xFF)], as: UTF8.self))
    }

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
