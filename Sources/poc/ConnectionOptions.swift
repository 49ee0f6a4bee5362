import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation
import Yams

/// `--server --cert --key --ca --json`, shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The daemon, such as https://127.0.0.1:8443; the daemons of a pair, comma-separated (the next is tried when one cannot be reached).", valueName: "url[,url]"))
    var server: String?
    @Option(help: ArgumentHelp("Your certificate (PEM).", valueName: "file"))
    var cert: String?
    @Option(help: ArgumentHelp("Your private key (PEM).", valueName: "file"))
    var key: String?
    @Option(help: ArgumentHelp("The CA bundle that signs the daemon's certificate (PEM).", valueName: "file"))
    var ca: String?
    @Flag(help: "Print the daemon's JSON instead of text.")
    var json = false
    @Flag(help: "Show times in UTC (default: your time zone, from TZ, with the zone named). Deadlines are kept and exchanged in UTC either way.")
    var utc = false
    @Option(help: ArgumentHelp("The language of messages and headings: ar, zh, en, fr, ru, es or vi (default: from LC_ALL, LC_MESSAGES or LANG; else en).", valueName: "code"))
    var lang: String?

    /// `--lang`, then the first of LC_ALL, LC_MESSAGES and LANG that is set (POSIX order), else English.
    func language() throws -> Language {
        if let lang {
            guard let l = Language(tag: lang) else {
                throw CLIError("--lang \(lang): not a language of this catalogue (\(Language.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return l
        }
        let env = ProcessInfo.processInfo.environment
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = env[name], !value.isEmpty else { continue }
            return Language(posixLocale: value) ?? .en
        }
        return .en
    }

    /// Flags, then POC_* variables, then ~/.config/poc/config.yaml.
    func settings() throws -> ClientSettings {
        let env = ProcessInfo.processInfo.environment
        var file: [String: String] = [:]
        let home = env["HOME"] ?? NSHomeDirectory()
        let configPath = env["POC_CONFIG"] ?? "\(home)/.config/poc/config.yaml"
        if let text = try? String(contentsOfFile: configPath, encoding: .utf8) {
            guard let map = (try? Yams.compose(yaml: text))??.mapping else {
                throw CLIError("\(configPath): not a YAML mapping of server, cert, key, ca")
            }
            let base = (configPath as NSString).deletingLastPathComponent
            for (k, v) in map {
                // `server:` may list the daemons of a pair: [https://a:8443, https://b:8443].
                if k.scalar?.string == "server", let list = v.sequence {
                    file["server"] = list.compactMap { $0.scalar?.string }.joined(separator: ",")
                    continue
                }
                guard let key = k.scalar?.string, let value = v.scalar?.string else { continue }
                guard ["server", "cert", "key", "ca"].contains(key) else {
                    throw CLIError("\(configPath): \(key): unknown key (expected server, cert, key, ca)")
                }
                file[key] = key == "server" || value.hasPrefix("/") ? value : (base as NSString).appendingPathComponent(value)
            }
        }
        func pick(_ flag: String?, _ envName: String, _ fileKey: String) throws -> String {
            if let flag { return flag }
            if let v = env[envName], !v.isEmpty { return v }
            if let v = file[fileKey] { return v }
            throw CLIError("no \(fileKey == "server" ? "server" : fileKey) given: use --\(fileKey), \(envName), or \(configPath)")
        }
        return ClientSettings(server: try pick(server, "POC_SERVER", "server"), certificate: try pick(cert, "POC_CERT", "cert"),
                              privateKey: try pick(key, "POC_KEY", "key"), ca: try pick(ca, "POC_CA", "ca"), language: try language())
    }

    func client() throws -> ContactPointClient {
        Output.utc = utc
        Output.language = try language()
        do { return try ContactPointClient(try settings()) } catch let e as ClientError {
            throw CLIError(e.description, code: 2)
        }
    }
}

/// A failure to show the user; exit code 1 for an API refusal, 2 for setup, 3 for connection.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var code: Int32
    init(_ description: String, code: Int32 = 2) {
        self.description = description
        self.code = code
    }

    init(_ e: ClientError) {
        description = e.description
        switch e {
        case .problem: code = 1
        case .setup: code = 2
        default: code = 3
        }
    }
}

/// Runs a subcommand body, printing failures the way people read them.
func runReporting(_ body: () throws -> Void) throws {
    do { try body() } catch let e as CLIError {
        FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
        throw ExitCode(e.code)
    } catch let e as ClientError {
        let err = CLIError(e)
        FileHandle.standardError.write(Data(("error: " + err.description + "\n").utf8))
        throw ExitCode(err.code)
    }
}

extension Result where Failure == ClientError {
    /// The success value, or a CLIError carrying the problem.
    func orThrow() throws -> Success {
        switch self {
        case .success(let v): return v
        case .failure(let e): throw CLIError(e)
        }
    }
}
