import ArgumentParser
import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import Logging

/// `pocd`: the 24/7 point-of-contact daemon.
public struct PocdCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pocd",
        abstract: "The 24/7 point-of-contact daemon: expedited preservation requests between national contact points.",
        discussion: """
            Runs in the foreground and logs to stderr. SIGTERM or SIGINT: stop accepting, finish \
            what is in flight, exit 0. SIGHUP: reload the directory, the policy and the TLS files.

            Example:
              pocd --config Config/pocd.yaml
            """,
        subcommands: [Run.self, CheckConfig.self, Audit.self],
        defaultSubcommand: Run.self)

    public init() {}

    /// Prints why the daemon cannot run, on one line per problem, and exits 1.
    static func fail(_ error: Error) -> Never {
        let text = String(describing: error)
        FileHandle.standardError.write(Data(("pocd: " + text.replacingOccurrences(of: "\n", with: "\npocd: ") + "\n").utf8))
        Foundation.exit(1)
    }
}

/// `pocd [run] --config FILE`: the daemon in the foreground.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground (the default: `pocd --config FILE`).",
        discussion: "Example:\n  pocd --config Config/pocd.yaml")

    @OptionGroup var options: ConfigOption
    var config: String { options.config }

    /// The running daemon, kept for the life of the process (set once, before dispatchMain).
    nonisolated(unsafe) static var running: Daemon?

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["POCD_LOG_LEVEL"] ?? "info") ?? .info
            return handler
        }
        let log = Logger(label: "pocd")
        let daemon: Daemon
        do {
            let set = try ConfigurationSet.load(configFile: config)
            daemon = try Daemon(configuration: set, log: log)
            daemon.installSignalHandlers()
            try daemon.start()
        } catch {
            PocdCommand.fail(error)
        }
        Run.running = daemon
        dispatchMain()
    }
}

/// `pocd check-config`: validate the config, directory and policy without starting.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate config, directory and policy; print what is wrong, with file and key.",
        discussion: "Example:\n  pocd check-config --config Config/pocd.yaml")

    @OptionGroup var options: ConfigOption
    var config: String { options.config }

    func run() throws {
        let set: ConfigurationSet?
        let errors: [ConfigurationError]
        do { (set, errors) = try ConfigurationSet.check(configFile: config) } catch {
            for e in error.errors { print(e.description) }
            throw ExitCode(1)
        }
        // Every problem at once: the YAML of all three files, then the files they name.
        var problems = errors.map(\.description)
        if let daemon = set?.daemon ?? (try? DaemonConfiguration.parse(file: config))?.0 {
            problems += ConfigurationSet.checkFiles(daemon)
        }
        for p in problems { print(p) }
        guard problems.isEmpty, let set else { throw ExitCode(1) }
        let d = set.daemon
        print("OK \(d.file): serves \(d.contactPoints.map(\.code).joined(separator: ", ")) on \(d.host):\(d.port); "
              + "\(set.directory.contactPoints.count) contact points in \(d.directoryFile); policy \(d.policyFile)")
    }
}

/// `pocd audit verify`: walk the hash-chained event log.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Walk the hash-chained event log; print the count of events and OK, or the first broken event and exit 1.",
            discussion: """
                Then rebuilds every request from the log and compares it with the projection the \
                daemon starts from: a row edited behind its back is named, and the exit status is 1. \
                Safe while the daemon runs (it reads a snapshot).

                Example:
                  pocd audit verify --config Config/pocd.yaml
                """)

        @OptionGroup var options: ConfigOption
        var config: String { options.config }

        func run() throws {
            let d: DaemonConfiguration
            do { d = try DaemonConfiguration.load(file: config) } catch {
                for e in error.errors { print(e.description) }
                throw ExitCode(2)
            }
            let path = (d.dataDirectory as NSString).appendingPathComponent("events.sqlite")
            guard FileManager.default.fileExists(atPath: path) else {
                print("no event log at \(path)")
                throw ExitCode(2)
            }
            let result: ChainVerification
            var projection: ProjectionVerification?
            do {
                let store = try EventStore(directory: d.dataDirectory, clock: .system)
                result = try store.verifyChain()
                if result.isIntact { projection = try store.verifyProjection() }
                store.close()
            } catch {
                print("cannot read \(path): \(error)")
                throw ExitCode(2)
            }
            print(result.description)
            if let projection { print(projection.description) }
            if !result.isIntact || projection?.agrees == false { throw ExitCode(1) }
        }
    }
}

/// `--config FILE`, shared by every command.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's configuration (pocd.yaml).", valueName: "file"))
    var config: String
}
