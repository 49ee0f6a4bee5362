import Foundation

/// Something a person reads, kept as a catalogue key and its arguments until it is shown, so
/// that each reader gets it in their language (`render(_:)`). A `verbatim` text is shown as it
/// is in every language: what comes from outside (a parser's or a database's message) or has
/// no catalogue entry yet.
public indirect enum Message: Sendable, Hashable, CustomStringConvertible {
    case verbatim(String)
    /// A catalogue entry; `{name}` placeholders take `args`, and a plural entry chooses its
    /// form by `count` (which also fills `{count}`).
    case key(String, args: [String: Message], count: Int?)
    /// Several messages one after the other, with `separator` between them.
    case joined([Message], separator: String)
    /// A moment, shown for the reader's language and time zone (`render(_:timeZone:)`).
    case time(Instant)

    public init(_ key: String, _ args: [String: Message] = [:], count: Int? = nil) {
        self = .key(key, args: args, count: count)
    }

    /// The text in `language`: its catalogue entry, else the English one, else the key itself;
    /// its times in `timeZone` (default UTC), named.
    public func render(_ language: Language, timeZone: TimeZone? = nil) -> String {
        switch self {
        case .verbatim(let text):
            return text
        case .joined(let parts, let separator):
            return parts.map { $0.render(language, timeZone: timeZone) }.joined(separator: separator)
        case .time(let instant):
            return Self.format(instant, language, timeZone ?? Self.utc)
        case .key(let key, let args, let count):
            guard let entry = Catalogue.entry(key, language) else { return key }
            var text: String
            switch entry {
            case .text(let t): text = t
            case .plural(let forms):
                let category = language.pluralCategory(count ?? 0)
                text = forms[category] ?? forms[.other] ?? ""
            }
            return Self.fill(text, args: args, count: count, language: language, timeZone: timeZone)
        }
    }

    /// The English text (logs, `description`, tests).
    public var description: String { render(.en) }

    static func fill(_ text: String, args: [String: Message], count: Int?, language: Language, timeZone: TimeZone?) -> String {
        guard text.contains("{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            if name == "count", let count { out += String(count) } else if let value = args[name] { out += value.render(language, timeZone: timeZone) } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// One entry of a language's catalogue: a text, or one text per CLDR plural category.
public enum CatalogueText: Sendable, Hashable, ExpressibleByStringLiteral {
    case text(String)
    case plural([PluralCategory: String])

    public init(stringLiteral value: String) { self = .text(value) }

    /// Every form's text.
    public var texts: [String] {
        switch self {
        case .text(let t): return [t]
        case .plural(let forms): return PluralCategory.allCases.compactMap { forms[$0] }
        }
    }

    /// The `{name}` placeholders the entry uses, across its forms.
    public var placeholders: Set<String> {
        var names = Set<String>()
        for t in texts {
            var rest = Substring(t)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                names.insert(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
        }
        return names
    }
}

/// The message catalogue: one table per language (`Catalogue+en.swift`, …), compiled into
/// every binary so that a daemon on an air-gapped machine speaks every language.
public enum Catalogue {
    public static let tables: [Language: [String: CatalogueText]] = [
        .en: en, .ar: ar, .zh: zh, .fr: fr, .ru: ru, .es: es, .vi: vi,
    ]

    /// Every key (the English catalogue's, which every language has).
    public static var keys: [String] { en.keys.sorted() }

    /// The entry for `key` in `language`, falling back to English.
    public static func entry(_ key: String, _ language: Language) -> CatalogueText? {
        tables[language]?[key] ?? en[key]
    }
}

extension Message {
    /// A duration for people, in its two largest units with the language's plural forms,
    /// the second only when it follows the first: "3 hours 5 minutes", "3 часа 5 минут",
    /// "1 day" (not "1 day 0 hours"), "0 seconds".
    public static func duration(seconds: Int64) -> Message {
        let units: [(key: String, size: Int)] = [("duration.days", 86_400), ("duration.hours", 3_600), ("duration.minutes", 60), ("duration.seconds", 1)]
        var rest = Int(seconds.magnitude)
        var parts: [Message] = []
        for unit in units {
            let n = rest / unit.size
            if n > 0 || (unit.size == 1 && parts.isEmpty) {
                parts.append(Message(unit.key, count: n))
                rest -= n * unit.size
            } else if !parts.isEmpty {
                break
            }
            if parts.count == 2 { break }
        }
        return parts.count == 2 ? Message("duration.pair", ["first": parts[0], "second": parts[1]]) : parts[0]
    }
}

extension Message {
    static let utc = TimeZone(identifier: "UTC")!

    /// A moment for people, to the second, 24-hour, the zone named. English keeps the
    /// network's ISO order ("2026-11-23 12:00:00 UTC", "… GMT+7"); every other language takes
    /// ICU's pattern for it (CLDR: "23 нояб. 2026 г., 12:00:00 GMT", "2026年11月23日 GMT 12:00:00").
    /// A formatter per call: this is for alerts and messages, not a hot path, and a
    /// DateFormatter is not safe to share across queues.
    public static func format(_ instant: Instant, _ language: Language, _ zone: TimeZone) -> String {
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = zone
        if language == .en {
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = zone.identifier == "UTC" || zone.identifier == "GMT" ? "yyyy-MM-dd HH:mm:ss 'UTC'" : "yyyy-MM-dd HH:mm:ss zzz"
        } else {
            f.locale = Locale(identifier: language.rawValue)
            f.setLocalizedDateFormatFromTemplate("yMMMdHHmmssz")
        }
        return f.string(from: Date(timeIntervalSince1970: Double(instant.millisecondsSince1970) / 1000))
    }
}
