import ArgumentParser
import ContactPointModel
import Foundation

/// Merges a register of contact points (the UN network's, kept by UNODC; the Budapest
/// network's, kept by the Council of Europe) into a directory (docs/operations.md,
/// "Importing a register"). The register is JSON or CSV:
///
///     {"contact_points": [{"code": "FR", "name": "…", "telephone": "+33 …", "email": "…",
///                          "daemon": {"urls": ["https://…"], "identity": "pocd.fr", "log_key": "…"}}]}
///
///     code,name,telephone,email,daemon_urls,daemon_identity,log_key      (urls space-separated)
///
/// Rules: codes must be ISO 3166-1 alpha-2; a contact point served here (`daemon: local`) and
/// every principal already listed are never changed (a register that says otherwise is a
/// conflict, reported); names, telephones, e-mails and a partner's addresses and log key are
/// taken from the register; a partner whose daemon identity differs is a conflict (the
/// certificate identity is a trust decision, not a register's); an entry without a daemon
/// is added as `daemon: none` (reached by its telephone and e-mail) when the register gives
/// either, and becomes a partner when a later register gives its daemon.
struct DirectoryImport {
    struct Entry: Equatable {
        var line: String
        var code: String
        var name: String
        var telephone: String?
        var email: String?
        var urls: [String]
        var identity: String?
        var logKey: String?
    }

    struct Outcome {
        var directory: Directory
        var added: [String] = []
        var changed: [String] = []
        var conflicts: [String] = []
        var skipped: [String] = []
    }

    /// Reads a register file: JSON if it starts with `{`, else CSV with a header line.
    static func parse(_ text: String, file: String) throws -> [Entry] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            let root: JSONValue
            do { root = try JSONParser.parse(Array(trimmed.utf8)) } catch { throw ImportError("\(file): not JSON: \(error)") }
            guard let list = root["contact_points"]?.arrayValue else { throw ImportError("\(file): contact_points: required, a list") }
            return list.enumerated().map { i, o in
                Entry(line: "contact_points[\(i)]", code: o["code"]?.stringValue ?? "", name: o["name"]?.stringValue ?? "",
                      telephone: o["telephone"]?.stringValue, email: o["email"]?.stringValue,
                      urls: o["daemon"]?["urls"]?.arrayValue?.compactMap(\.stringValue) ?? o["daemon"]?["url"]?.stringValue.map { [$0] } ?? [],
                      identity: o["daemon"]?["identity"]?.stringValue, logKey: o["daemon"]?["log_key"]?.stringValue)
            }
        }
        var lines = trimmed.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") }
        guard !lines.isEmpty else { return [] }
        let header = csvFields(lines.removeFirst()).map { $0.lowercased() }
        let wanted = ["code", "name", "telephone", "email", "daemon_urls", "daemon_identity", "log_key"]
        guard header == wanted else { throw ImportError("\(file): the header must be \(wanted.joined(separator: ",")), not \(header.joined(separator: ","))") }
        return lines.enumerated().map { i, line in
            var f = csvFields(line)
            while f.count < wanted.count { f.append("") }
            func opt(_ s: String) -> String? { s.isEmpty ? nil : s }
            return Entry(line: "line \(i + 2)", code: f[0], name: f[1], telephone: opt(f[2]), email: opt(f[3]),
                         urls: f[4].split(separator: " ").map(String.init), identity: opt(f[5]), logKey: opt(f[6]))
        }
    }

    /// One CSV line's fields (RFC 4180 quotes, "" inside quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(field.trimmingCharacters(in: .whitespaces)); field = "" }
            else { field.append(c) }
        }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields
    }

    /// The directory with the register merged in, and what happened to each entry.
    static func merge(_ entries: [Entry], into directory: Directory) -> Outcome {
        var points = directory.contactPoints
        var out = Outcome(directory: directory)
        for e in entries {
            guard let code = CountryCode(e.code) else {
                out.skipped.append("\(e.line): \"\(e.code)\" is not an ISO 3166-1 alpha-2 code; skipped")
                continue
            }
            if e.name.isEmpty { out.skipped.append("\(e.line) \(code): no name; skipped"); continue }
            for url in e.urls where !url.hasPrefix("https://") {
                out.skipped.append("\(e.line) \(code): daemon address \"\(url)\" is not https://host:port; skipped")
            }
            let urls = e.urls.filter { $0.hasPrefix("https://") }
            var e = e
            if let k = e.logKey, let identity = e.identity ?? points[code]?.host.identity,
               let problem = Directory.logKeyProblem(k, identity: identity) {
                out.skipped.append("\(e.line) \(code): log key not taken: \(problem)")
                e.logKey = nil
            }
            guard var cp = points[code] else {
                guard let identity = e.identity, !urls.isEmpty else {
                    // Known to the network, no daemon yet: listed for its telephone and e-mail (daemon: none).
                    guard e.telephone != nil || e.email != nil else {
                        out.skipped.append("\(code) \(e.name): the register gives no daemon, telephone or e-mail; not added")
                        continue
                    }
                    points[code] = Directory.ContactPoint(code: code, name: e.name, host: .none, principals: [],
                                                          telephone: e.telephone, email: e.email)
                    out.added.append("\(code) \(e.name) (no daemon: reached by \([e.telephone, e.email].compactMap { $0 }.joined(separator: ", ")))")
                    continue
                }
                points[code] = Directory.ContactPoint(
                    code: code, name: e.name, host: .partner(urls: urls, identity: identity),
                    principals: [Directory.Principal(identity: identity, role: .daemon, contactPoint: code)],
                    logKey: e.logKey, telephone: e.telephone, email: e.email)
                out.added.append("\(code) \(e.name) (daemon \(identity) at \(urls.joined(separator: ", ")))")
                continue
            }
            var what: [String] = []
            if cp.name != e.name { what.append("name \"\(cp.name)\" → \"\(e.name)\""); cp.name = e.name }
            if let t = e.telephone, cp.telephone != t { what.append("telephone \(cp.telephone ?? "none") → \(t)"); cp.telephone = t }
            if let m = e.email, cp.email != m { what.append("email \(cp.email ?? "none") → \(m)"); cp.email = m }
            switch cp.host {
            case .local:
                if !urls.isEmpty || e.identity != nil {
                    out.conflicts.append("\(code): served by this daemon (daemon: local); the register names a daemon \(e.identity ?? "") at \(urls.joined(separator: ", ")): kept local")
                }
            case .partner(let current, let identity):
                if let theirs = e.identity, theirs != identity {
                    out.conflicts.append("\(code): the register names daemon identity \(theirs), the directory \(identity): kept \(identity) (a trust decision: change it by hand)")
                } else {
                    if !urls.isEmpty && urls != current { what.append("daemon urls \(current.joined(separator: " ")) → \(urls.joined(separator: " "))"); cp.host = .partner(urls: urls, identity: identity) }
                    if let k = e.logKey, cp.logKey != k { what.append("log_key \(cp.logKey == nil ? "added" : "changed")"); cp.logKey = k }
                }
            case .none:
                if let identity = e.identity, !urls.isEmpty {
                    what.append("daemon none → \(identity) at \(urls.joined(separator: " "))")
                    cp.host = .partner(urls: urls, identity: identity)
                    cp.principals.append(Directory.Principal(identity: identity, role: .daemon, contactPoint: code))
                    if let k = e.logKey { cp.logKey = k }
                }
            }
            if !what.isEmpty { out.changed.append("\(code): " + what.joined(separator: "; ")) }
            points[code] = cp
        }
        out.directory = Directory(contactPoints: Array(points.values))
        return out
    }

    /// The directory as YAML, contact points by code; every string quoted.
    static func yaml(_ d: Directory, header: String) -> String {
        func q(_ s: String) -> String { JSONValue.string(s).serializedString() }
        var text = header.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(separator: "\n") + "\n\ncontact_points:\n"
        for cp in d.contactPoints.values.sorted(by: { $0.code.code < $1.code.code }) {
            text += "  \(cp.code.code):\n    name: \(q(cp.name))\n"
            if let t = cp.telephone { text += "    telephone: \(q(t))\n" }
            if let m = cp.email { text += "    email: \(q(m))\n" }
            if !cp.reservations.isEmpty { text += "    reservations: [\(cp.reservations.map(\.rawValue).sorted().joined(separator: ", "))]\n" }
            switch cp.host {
            case .local: text += "    daemon: local\n"
            case .partner(let urls, let identity):
                text += "    daemon: {urls: [\(urls.map(q).joined(separator: ", "))], identity: \(q(identity))"
                if let k = cp.logKey { text += ", log_key: \(q(k))" }
                text += "}\n"
            case .none: text += "    daemon: none\n"
            }
            if cp.principals.isEmpty {
                text += "    principals: []\n"
                continue
            }
            text += "    principals:\n"
            for p in cp.principals { text += "      - {identity: \(q(p.identity)), role: \(p.role.rawValue)}\n" }
        }
        return text
    }

    /// A unified diff of two texts (LCS over lines; directories are small).
    static func diff(_ a: String, _ b: String, from: String, to: String) -> String {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let y = b.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var lines = ["--- \(from)", "+++ \(to)"]
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] { lines.append(" " + x[i]); i += 1; j += 1 }
            else if j < y.count, i == x.count || lcs[i][j + 1] >= lcs[i + 1][j] { lines.append("+" + y[j]); j += 1 }
            else { lines.append("-" + x[i]); i += 1 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

struct ImportError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// `pocd directory import FILE --config F [--dry-run]`.
struct DirectoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory", abstract: "Work on the contact-point directory.", subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Merge a register of contact points (JSON or CSV) into directory.yaml, and show the diff.",
            discussion: """
                Adds the contact points the register gives a daemon for, updates names, telephones, \
                e-mails and partners' addresses and log keys; never changes a contact point served \
                here, a partner's daemon identity or any principal (those are reported as conflicts). \
                The previous file is kept as directory.yaml.bak and the diff written to \
                directory.yaml.import.diff; comments in directory.yaml are not kept. Reload the \
                daemon (SIGHUP) to use it. Format: docs/operations.md, "Importing a register".

                Examples:
                  pocd directory import Config/register.example.json --config Config/pocd.yaml --dry-run
                  pocd directory import register.csv --config Config/pocd.yaml
                """)

        @Argument(help: "The register: JSON ({\"contact_points\": [...]}) or CSV (code,name,telephone,email,daemon_urls,daemon_identity,log_key).")
        var file: String
        @OptionGroup var options: ConfigOption
        @Flag(help: "Show what would change; write nothing.") var dryRun = false

        func run() throws {
            let d = try options.daemonConfiguration()
            let path = d.directoryFile
            let before: String, register: String
            do {
                before = try String(contentsOfFile: path, encoding: .utf8)
                register = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                print("pocd: \(error.localizedDescription)")
                throw ExitCode(2)
            }
            let current: Directory
            do { current = try Directory.load(yaml: before, file: path) } catch {
                for e in error.errors { print(e.description) }
                throw ExitCode(1)
            }
            let entries: [DirectoryImport.Entry]
            do { entries = try DirectoryImport.parse(register, file: file) } catch {
                print("pocd: \(error)")
                throw ExitCode(1)
            }
            let outcome = DirectoryImport.merge(entries, into: current)
            let header = """
                The contact-point directory (see Config/directory.yaml for what each key means).
                Merged by `pocd directory import \((file as NSString).lastPathComponent)`; the file before is directory.yaml.bak.
                """
            let after = DirectoryImport.yaml(outcome.directory, header: header)
            // What is written must load as a directory, with every rule the daemon applies.
            do { _ = try Directory.load(yaml: after, file: path) } catch {
                print("pocd: the merged directory would not load; nothing written:")
                for e in error.errors { print("  \(e.description)") }
                throw ExitCode(1)
            }
            for a in outcome.added { print("added      \(a)") }
            for c in outcome.changed { print("changed    \(c)") }
            for c in outcome.conflicts { print("conflict   \(c)") }
            for s in outcome.skipped { print("skipped    \(s)") }
            let changedAnything = DirectoryImport.yaml(current, header: header) != after
            print("\(entries.count) register entries: \(outcome.added.count) added, \(outcome.changed.count) changed, "
                  + "\(outcome.conflicts.count) conflicts, \(outcome.skipped.count) skipped")
            guard changedAnything else { return print("\(path): nothing to change") }
            let diff = DirectoryImport.diff(before, after, from: path, to: path + " (merged)")
            print(diff, terminator: "")
            if dryRun { return print("dry run: nothing written") }
            do {
                try before.write(toFile: path + ".bak", atomically: true, encoding: .utf8)
                try diff.write(toFile: path + ".import.diff", atomically: true, encoding: .utf8)
                try after.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                print("pocd: cannot write \(path): \(error.localizedDescription)")
                throw ExitCode(1)
            }
            print("wrote \(path) (the previous file is \(path).bak; the diff \(path).import.diff); send SIGHUP to the daemon to use it")
        }
    }
}
