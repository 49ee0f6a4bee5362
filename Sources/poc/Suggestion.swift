import ArgumentParser
import Foundation

/// A mistyped subcommand gets the nearest one, as git does ("did you mean"): argument-parser
/// only says the argument is unexpected.
enum Suggestion {
    /// Every subcommand's name.
    static var names: [String] {
        POC.configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The message for `arguments` (after the global options moved), or nil when the first
    /// argument is a subcommand, an option, or too far from any name to guess.
    static func unknownCommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !names.contains(first) else { return nil }
        let typed = first.lowercased()
        let all = names
        var ranked: [(name: String, edits: Int)] = all.map { (name: $0, edits: distance(typed, $0)) }
        ranked.sort { a, b in a.edits != b.edits ? a.edits < b.edits : a.name < b.name }
        let limit = max(2, first.count / 3)
        let close: [String] = ranked.filter { $0.edits <= limit }.prefix(3).map { $0.name }
        let prefixed = all.filter { $0.hasPrefix(typed) && !close.contains($0) }
        let guesses = close + prefixed.prefix(3 - close.count)
        guard !guesses.isEmpty else { return "poc: " + Output.t("poc.error.unknown-command", ["command": first]) }
        let quoted = guesses.map { "'\($0)'" }
        let named = quoted.dropFirst().reduce(quoted[0]) { Output.t("poc.error.or", ["first": $0, "second": $1]) }
        return "poc: " + Output.t("poc.error.unknown-command-guess", ["command": first, "guesses": named])
    }

    /// Levenshtein distance, with a transposition counted as one edit (Damerau).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
