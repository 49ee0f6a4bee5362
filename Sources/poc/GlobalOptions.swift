/// Connection options given before the subcommand, as `git -C`, `kubectl --context` and
/// `amtool --alertmanager.url` take theirs: `poc --server URL queue` means `poc queue --server
/// URL`. Each subcommand owns the options (argument-parser parses them there), so the ones
/// that lead are moved after the last argument (before a `--`, if any).
enum GlobalOptions {
    /// Options that take a value.
    static let valued: Set<String> = ["--server", "--cert", "--key", "--ca", "--lang"]
    /// Flags.
    static let flags: Set<String> = ["--json", "--utc"]

    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if flags.contains(a) || (valued.contains(name) && a.contains("=")) {
                leading.append(a)
                i += 1
            } else if valued.contains(a), i + 1 < arguments.count {
                leading += [a, arguments[i + 1]]
                i += 2
            } else {
                break
            }
        }
        // Nothing leads, or nothing follows (`poc --server URL` alone: let the parser say what is missing).
        guard !leading.isEmpty, i < arguments.count else { return arguments }
        var rest = Array(arguments[i...])
        let end = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: leading, at: end)
        return rest
    }
}
