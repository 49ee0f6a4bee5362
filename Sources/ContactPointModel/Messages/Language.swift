import Foundation

/// The languages every message a person reads is written in: the UN's six and Vietnamese
/// (docs/translating.md). Machine fields, codes, states and problem type URIs stay English.
public enum Language: String, Sendable, Hashable, CaseIterable {
    case ar, zh, en, fr, ru, es, vi

    /// The language's name in itself, for a language switcher.
    public var nativeName: String {
        switch self {
        case .ar: return "العربية"
        case .zh: return "中文"
        case .en: return "English"
        case .fr: return "Français"
        case .ru: return "Русский"
        case .es: return "Español"
        case .vi: return "Tiếng Việt"
        }
    }

    /// Written right to left (the dashboard sets `dir="rtl"`).
    public var isRightToLeft: Bool { self == .ar }

    /// The CLDR plural categories of cardinal numbers in this language: a catalogue's plural
    /// entry must give a text for each (the completeness test checks it).
    public var pluralCategories: [PluralCategory] {
        switch self {
        case .ar: return [.zero, .one, .two, .few, .many, .other]
        case .zh, .vi: return [.other]
        case .en: return [.one, .other]
        case .fr, .es: return [.one, .many, .other]
        case .ru: return [.one, .few, .many, .other]
        }
    }

    /// The CLDR cardinal plural category of the whole number `n` (CLDR 44 rules, integers:
    /// the operands i = |n|, v = 0, e = 0).
    public func pluralCategory(_ n: Int) -> PluralCategory {
        let i = n.magnitude
        switch self {
        case .zh, .vi:
            return .other
        case .en:
            return i == 1 ? .one : .other
        case .fr:
            // one: i = 0,1; many: e = 0 and i != 0 and i % 1000000 = 0 and v = 0 (compact numbers; for integers, exact millions).
            if i <= 1 { return .one }
            return i % 1_000_000 == 0 ? .many : .other
        case .es:
            if i == 1 { return .one }
            return i != 0 && i % 1_000_000 == 0 ? .many : .other
        case .ru:
            let m10 = i % 10, m100 = i % 100
            if m10 == 1 && m100 != 11 { return .one }
            if (2...4).contains(m10) && !(12...14).contains(m100) { return .few }
            return .many  // v = 0: i % 10 = 0 or 5..9, or i % 100 = 11..14
        case .ar:
            let m100 = i % 100
            if i == 0 { return .zero }
            if i == 1 { return .one }
            if i == 2 { return .two }
            if (3...10).contains(m100) { return .few }
            if (11...99).contains(m100) { return .many }
            return .other
        }
    }

    /// The language of a BCP 47 tag by RFC 4647 lookup: `zh-Hant-TW` → `zh-Hant` → `zh`;
    /// nil when none of its prefixes is a language of the catalogue.
    public init?(tag: some StringProtocol) {
        var parts = tag.lowercased().split(separator: "-").map(String.init)
        while !parts.isEmpty {
            if let l = Language(rawValue: parts.joined(separator: "-")) { self = l; return }
            parts.removeLast()
        }
        return nil
    }

    /// The language to answer in, from an `Accept-Language` header (RFC 9110 §12.5.4): the
    /// ranges by quality (`q=0` excluded; equal qualities keep their order), each looked up
    /// as `init(tag:)` does; `*` or nothing usable gives English.
    public static func negotiate(acceptLanguage header: String?) -> Language {
        guard let header else { return .en }
        var ranges: [(tag: String, q: Double, order: Int)] = []
        for (order, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, !tag.isEmpty, tag.count <= 64 else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.lowercased().hasPrefix("q=") {
                q = Double(p.dropFirst(2)) ?? 0
            }
            if q > 0 && q <= 1 { ranges.append((tag, q, order)) }
        }
        for r in ranges.sorted(by: { $0.q != $1.q ? $0.q > $1.q : $0.order < $1.order }) {
            if r.tag == "*" { return .en }
            if let l = Language(tag: r.tag) { return l }
        }
        return .en
    }

    /// The language of a POSIX locale (`ru_RU.UTF-8`, `zh_TW`, `C`), for `poc`'s `LANG`.
    public init?(posixLocale: String) {
        let base = posixLocale.split(separator: ".").first.map(String.init) ?? posixLocale
        let tag = (base.split(separator: "@").first.map(String.init) ?? base).replacingOccurrences(of: "_", with: "-")
        guard tag != "C", tag != "POSIX", let l = Language(tag: tag) else { return nil }
        self = l
    }
}

/// A CLDR plural category.
public enum PluralCategory: String, Sendable, Hashable, CaseIterable {
    case zero, one, two, few, many, other
}
