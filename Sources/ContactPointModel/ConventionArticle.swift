/// A criminalisation article of one of the two conventions, as a request classifies its
/// offence: `UN-7` … `UN-17` (UN Convention against Cybercrime, arts. 7–17) and `BUD-2` …
/// `BUD-10` (Budapest Convention, arts. 2–10). These are what partners reason about for dual
/// criminality, reservations and statistics; the national provision stays in
/// `offence.legal_provision`. The scheme is documented in docs/treaty-mapping.md.
public enum ConventionArticle: String, Sendable, Hashable, CaseIterable {
    case un7 = "UN-7", un8 = "UN-8", un9 = "UN-9", un10 = "UN-10", un11 = "UN-11", un12 = "UN-12"
    case un13 = "UN-13", un14 = "UN-14", un15 = "UN-15", un16 = "UN-16", un17 = "UN-17"
    case bud2 = "BUD-2", bud3 = "BUD-3", bud4 = "BUD-4", bud5 = "BUD-5", bud6 = "BUD-6"
    case bud7 = "BUD-7", bud8 = "BUD-8", bud9 = "BUD-9", bud10 = "BUD-10"

    /// The article's heading in the convention's English text.
    public var title: String {
        switch self {
        case .un7: return "Illegal access"
        case .un8: return "Illegal interception"
        case .un9: return "Interference with electronic data"
        case .un10: return "Interference with an information and communications technology system"
        case .un11: return "Misuse of devices"
        case .un12: return "ICT system-related forgery"
        case .un13: return "ICT system-related theft or fraud"
        case .un14: return "Online child sexual abuse or child sexual exploitation material"
        case .un15: return "Solicitation or grooming for the purpose of committing a sexual offence against a child"
        case .un16: return "Non-consensual dissemination of intimate images"
        case .un17: return "Laundering of proceeds of crime"
        case .bud2: return "Illegal access"
        case .bud3: return "Illegal interception"
        case .bud4: return "Data interference"
        case .bud5: return "System interference"
        case .bud6: return "Misuse of devices"
        case .bud7: return "Computer-related forgery"
        case .bud8: return "Computer-related fraud"
        case .bud9: return "Offences related to child pornography"
        case .bud10: return "Offences related to infringements of copyright and related rights"
        }
    }

    /// The convention: `UN` or `BUD`.
    public var convention: String { rawValue.hasPrefix("UN-") ? "UN" : "BUD" }

    /// The article's bit in `ConventionArticles` (its position in `allCases`).
    var bit: UInt32 { UInt32(1) << UInt32(Self.allCases.firstIndex(of: self)!) }
}

/// A set of convention articles in 32 bits: what the in-memory case table and the projection
/// keep per request, so the queue's filter and the counts need no decryption and survive an
/// erasure (a classification is not personal data).
public struct ConventionArticles: Sendable, Hashable {
    public private(set) var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue & Self.known
    }

    public init(_ articles: some Sequence<ConventionArticle>) {
        rawValue = articles.reduce(0) { $0 | $1.bit }
    }

    public static let none = ConventionArticles(rawValue: 0)
    private static let known = ConventionArticle.allCases.reduce(UInt32(0)) { $0 | $1.bit }

    public var isEmpty: Bool { rawValue == 0 }
    public func contains(_ article: ConventionArticle) -> Bool { rawValue & article.bit != 0 }

    /// The articles, in the scheme's order (UN first, then Budapest, by number).
    public var articles: [ConventionArticle] { positions.map { ConventionArticle.allCases[$0] } }

    /// The articles' positions in `ConventionArticle.allCases` (for tables indexed so).
    public var positions: [Int] {
        ConventionArticle.allCases.indices.filter { rawValue & (UInt32(1) << UInt32($0)) != 0 }
    }
}
