import ArgumentParser
import ContactPointModel
import Foundation

/// `poc --help` in the reader's language. argument-parser reads each command's
/// `configuration` and each option's `help:` when it builds the help, after `main` has
/// started, so they can come from the catalogue (`help.*` keys). Its own headings (USAGE,
/// OPTIONS, SUBCOMMANDS) stay English: argument-parser does not let them change.
enum Help {
    /// `--lang` wherever it is on the command line (a value that is not a catalogue language is
    /// left for `ConnectionOptions.language()` to refuse), then LC_ALL, LC_MESSAGES, LANG.
    /// Read once: the help is built before the options are parsed.
    static let language: Language = language(arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)

    static func language(arguments: [String], environment: [String: String]) -> Language {
        for (i, a) in arguments.enumerated() {
            if a == "--" { break }
            if a == "--lang", i + 1 < arguments.count, let l = Language(tag: arguments[i + 1]) { return l }
            if a.hasPrefix("--lang="), let l = Language(tag: String(a.dropFirst("--lang=".count))) { return l }
        }
        return Language(environment: environment)
    }

    static func text(_ key: String) -> String { Message(key).render(language) }

    /// An optional paragraph, then the examples under "Example:" or "Examples:" (commands stay
    /// as they are typed), each line indented.
    static func discussion(_ key: String? = nil, examples: [String]) -> String {
        var parts: [String] = []
        if let key { parts.append(text(key)) }
        if !examples.isEmpty {
            let lines = examples.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }.map { "  " + $0 }
            parts.append(([Message("help.examples", count: examples.count).render(language)] + lines).joined(separator: "\n"))
        }
        return parts.joined(separator: "\n\n")
    }
}

extension ArgumentHelp {
    /// An option's or argument's help from the catalogue.
    static func key(_ key: String, valueName: String? = nil) -> ArgumentHelp {
        ArgumentHelp(Help.text(key), valueName: valueName)
    }
}

extension Language {
    /// The first of LC_ALL, LC_MESSAGES and LANG that is set (POSIX order), else English.
    init(environment: [String: String]) {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            self = Language(posixLocale: value) ?? .en
            return
        }
        self = .en
    }
}
