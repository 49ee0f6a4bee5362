import ArgumentParser
import ContactPointClient
import ContactPointModel
import Foundation
import Yams

/// `--server --cert --key --ca --json`, shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(help: .key("help.common.server", valueName: "url[,url]"))
    var server: String?
    @Option(help: .key("help.common.cert", valueName: "file"))
    var cert: String?
    @Option(help: .key("help.common.key", valueName: "file"))
    var key: String?
    @Option(help: .key("help.common.ca", valueName: "file"))
    var ca: String?
    @Flag(help: .key("help.common.json"))
    var json = false
    @Flag(help: .key("help.common.utc"))
    var utc = false
    @Option(help: .key("help.common.lang", valueName: "code"))
    var lang: String?

    /// `--lang`, then the first of LC_ALL, LC_MESSAGES and LANG that is set (POSIX order), else English.
    func language() throws -> Language {
        if let lang {
            guard let l = Language(tag: lang) else {
                throw CLIError("poc.error.lang", ["value": lang, "languages": Language.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            return l
        }
        return Language(environment: ProcessInfo.processInfo.environment)
    }

    /// Flags, then POC_* variables, then ~/.config/poc/config.yaml.
    func settings() throws -> ClientSettings {
        let env = ProcessInfo.processInfo.environment
        var file: [String: String] = [:]
        let home = env["HOME"] ?? NSHomeDirectory()
        let configPath = env["POC_CONFIG"] ?? "\(home)/.config/poc/config.yaml"
        if let text = try? String(contentsOfFile: configPath, encoding: .utf8) {
            guard let map = (try? Yams.compose(yaml: text))??.mapping else {
                throw CLIError("poc.error.config-not-mapping", ["path": configPath])
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
                    throw CLIError("poc.error.config-unknown-key", ["path": configPath, "key": key])
                }
                file[key] = key == "server" || value.hasPrefix("/") ? value : (base as NSString).appendingPathComponent(value)
            }
        }
        func pick(_ flag: String?, _ envName: String, _ fileKey: String) throws -> String {
            if let flag { return flag }
            if let v = env[envName], !v.isEmpty { return v }
            if let v = file[fileKey] { return v }
            throw CLIError("poc.error.missing-setting", ["setting": fileKey, "variable": envName, "path": configPath])
        }
        return ClientSettings(server: try pick(server, "POC_SERVER", "server"), certificate: try pick(cert, "POC_CERT", "cert"),
                              privateKey: try pick(key, "POC_KEY", "key"), ca: try pick(ca, "POC_CA", "ca"), language: try language(),
                              timeZone: utc ? nil : TimeZone.current.identifier)
    }

    func client() throws -> ContactPointClient {
        Output.utc = utc
        Output.language = try language()
        do { return try ContactPointClient(try settings()) } catch let e as ClientError {
            throw CLIError(e.message, code: 2)
        }
    }
}

/// A failure to show the user, in their language; exit code 1 for an API refusal, 2 for
/// setup, 3 for connection.
struct CLIError: Error, CustomStringConvertible {
    var message: Message
    var code: Int32
    init(_ message: Message, code: Int32 = 2) {
        self.message = message
        self.code = code
    }

    /// A catalogue entry (`poc.error.*`) whose arguments are shown as they are.
    init(_ key: String, _ args: [String: String] = [:], code: Int32 = 2) {
        self.init(Message(key, args.mapValues { .verbatim($0) }), code: code)
    }

    init(_ e: ClientError) {
        message = e.message
        switch e {
        case .problem: code = 1
        case .setup: code = 2
        default: code = 3
        }
    }

    var description: String { message.render(Output.language) }

    /// "error: …" on standard error, in the reader's language.
    func report() {
        FileHandle.standardError.write(Data((Output.t("poc.error", ["message": description]) + "\n").utf8))
    }
}

/// Runs a subcommand body, printing failures the way people read them.
func runReporting(_ body: () throws -> Void) throws {
    do { try body() } catch let e as CLIError {
        e.report()
        throw ExitCode(e.code)
    } catch let e as ClientError {
        let err = CLIError(e)
        err.report()
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
