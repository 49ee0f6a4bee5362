import ArgumentParser
import AuditLog
import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import Logging
import TLSTransport

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
        subcommands: [Run.self, CheckConfig.self, Migrate.self, Audit.self, Keygen.self, Keys.self, DirectoryCommand.self],
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

    /// The running daemon, kept for the life of the process (set once, before the main thread waits).
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
        // The daemon runs on its own queues and never uses the main queue, so the main thread
        // only waits. Signals still arrive through the dispatch sources: libdispatch installs its
        // own handler for a source's signal, which hands one caught on this thread to its manager
        // thread; a stop is `exit` from a queue.
        // Not dispatchMain(): it parks the thread with pthread_exit, which valgrind 3.19 cannot
        // follow, and Scripts/bench/instructions.sh counts instructions under callgrind.
        while true { pause() }
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

/// `pocd audit verify` and `pocd audit export`: the audit trail (docs/audit.md).
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail, or export a request's evidence bundle.",
        subcommands: [Verify.self, Export.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Walk the hash-chained event log; print the count of events and OK, or the first broken event and exit 1.",
            discussion: """
                Then rebuilds the Merkle tree from the events and checks every signed checkpoint \
                against it (an edited, deleted or recomputed event, a checkpoint signed by another key, \
                a log shorter than its latest checkpoint), and every request against the projection the \
                daemon starts from. With --witnesses it also asks each partner daemon for the latest \
                checkpoint of this log it cosigned, and checks this log still agrees with it. The first \
                problem is named and the exit status is 1. Safe while the daemon runs.

                Examples:
                  pocd audit verify --config Config/pocd.yaml
                  pocd audit verify --witnesses --config Config/pocd.yaml
                """)

        @OptionGroup var options: ConfigOption
        @Flag(help: "Also check this log against the checkpoints partner daemons cosigned.") var witnesses = false
        var config: String { options.config }

        func run() throws {
            let d = try options.daemonConfiguration()
            if case .sqlite(let path) = d.store, !FileManager.default.fileExists(atPath: path) {
                print("no event log at \(path)")
                throw ExitCode(2)
            }
            let identity: String
            do { identity = try PeerIdentity(certificateFile: d.tls.certificateFile).commonName } catch {
                print("\(error)")
                throw ExitCode(2)
            }
            var logKey: VerifierKey?
            if FileManager.default.fileExists(atPath: d.audit.logKeyFile) {
                do { logKey = try LogKey(pemFile: d.audit.logKeyFile).verifierKey(name: Directory.origin(of: identity)) } catch {
                    print("cannot read the log key: \(error)")
                    throw ExitCode(2)
                }
            }
            var lines: [String] = []
            var broken = false
            do {
                let opened = Result { () throws -> EventStore in try d.store.open(clock: .system) }
                if case .failure(let e as StoreError) = opened, e.code == StoreError.truncated {
                    print("BROKEN: \(e.message)")
                    throw ExitCode(1)
                }
                let store = try opened.get()
                defer { store.close() }
                // One snapshot of the log, though the daemons of a pair append to it meanwhile.
                try store.withReadSnapshot {
                    let chain = try store.verifyChain()
                    lines.append(chain.description)
                    broken = !chain.isIntact
                    if !broken {
                        let tree = try store.verifyTree(logKey: logKey)
                        lines.append(tree.description)
                        broken = !tree.isIntact
                    }
                    if !broken {
                        let projection = try store.verifyProjection()
                        lines.append(projection.description)
                        broken = !projection.agrees
                    }
                }
                if !broken && witnesses {
                    let set = try ConfigurationSet.load(configFile: config)
                    let report = WitnessCheck.run(store: store, origin: Directory.origin(of: identity), directory: set.directory, tls: d.tls)
                    lines += report.lines
                    broken = report.broken
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                print("cannot read \(d.store): \(error)")
                throw ExitCode(2)
            }
            for line in lines { print(line) }
            if broken { throw ExitCode(1) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a request's evidence bundle: its events, their inclusion proofs, the signed and cosigned checkpoint, the keys.",
            discussion: """
                The bundle reveals nothing of other requests. Anyone verifies it offline with \
                Scripts/verify-bundle.py, written against docs/audit.md.

                Example:
                  pocd audit export 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e --config Config/pocd.yaml --output case.bundle.json
                """)

        @OptionGroup var options: ConfigOption
        @Argument(help: "The request id.") var id: String
        @Option(help: ArgumentHelp("Where to write the bundle (JSON).", valueName: "file")) var output: String

        func run() throws {
            let set: ConfigurationSet
            do { set = try ConfigurationSet.load(configFile: options.config) } catch {
                for e in error.errors { print(e.description) }
                throw ExitCode(2)
            }
            do {
                let identity = try PeerIdentity(certificateFile: set.daemon.tls.certificateFile).commonName
                let key = try LogKey(pemFile: set.daemon.audit.logKeyFile).verifierKey(name: Directory.origin(of: identity))
                let store = try set.daemon.store.open(clock: .system)
                defer { store.close() }
                let bundle = try store.withReadSnapshot {
                    try EvidenceBundle.make(requestID: id.lowercased(), store: store, logKey: key, directory: set.directory)
                }
                guard FileManager.default.createFile(atPath: output, contents: Data(bundle.json.serialized())) else {
                    print("cannot write \(output)")
                    throw ExitCode(2)
                }
                print("wrote \(output): \(bundle.events) events of request \(id) at checkpoint size \(bundle.size), "
                      + "\(bundle.cosignatures) cosignature\(bundle.cosignatures == 1 ? "" : "s")")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                print("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// `pocd keygen`: the daemon's log key (docs/audit.md §3).
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make the daemon's Ed25519 log key (audit.log_key, 0600) and print its public form for partners' directories.",
        discussion: """
            Refuses to replace an existing key: a new key starts a new log identity for the \
            partners who witness this one. Prints the vkey to put in the partners' directory.yaml \
            as daemon: {..., log_key: "<vkey>"}.

            Example:
              pocd keygen --config Config/pocd.yaml
            """)

    @OptionGroup var options: ConfigOption

    func run() throws {
        let d = try options.daemonConfiguration()
        do {
            let identity = try PeerIdentity(certificateFile: d.tls.certificateFile).commonName
            let key = try LogKey.generate()
            try FileManager.default.createDirectory(atPath: (d.audit.logKeyFile as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try key.write(pemFile: d.audit.logKeyFile)
            print("wrote \(d.audit.logKeyFile)")
            print("log_key: \"\(try key.verifierKey(name: Directory.origin(of: identity)))\"")
        } catch {
            print("\(error)")
            throw ExitCode(1)
        }
    }
}

/// `pocd migrate --config FILE`: brings the store's schema to this build's (the daemon does
/// it at start too), by the same numbered migrations on SQLite and PostgreSQL.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the event store, or bring its schema to this version's (the daemon also does this at start).",
        discussion: """
            The same numbered migrations run on SQLite and on PostgreSQL, each in one \
            transaction; a store written by a newer version is refused. On SQLite the data \
            directory must not be in use by a running daemon; on PostgreSQL, daemons starting \
            together migrate once (the migration lock).

            Example:
              pocd migrate --config Config/pocd.yaml
            """)

    @OptionGroup var options: ConfigOption

    func run() throws {
        let d = try options.daemonConfiguration()
        do {
            var lock: DataDirectory?
            if !d.store.isPostgreSQL { lock = try DataDirectory(claiming: d.dataDirectory, log: Logger(label: "pocd.migrate")) }
            defer { withExtendedLifetime(lock) {} }
            let store = try d.store.open(clock: .system)
            defer { store.close() }
            let now = EventStore.schemaVersion
            let found = store.foundSchema
            let what = "\(store.backend) store \(store.path)"
            if found == now {
                print("\(what): schema \(now), current; nothing to do")
            } else if found == 0 {
                print("\(what): created at schema \(now)")
            } else {
                print("\(what): migrated from schema \(found) to \(now)")
            }
        } catch {
            print("\(error)")
            throw ExitCode(1)
        }
    }
}

/// `--config FILE`, shared by every command.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's configuration (pocd.yaml).", valueName: "file"))
    var config: String

    /// pocd.yaml, or every problem in it printed and exit status 2.
    func daemonConfiguration() throws -> DaemonConfiguration {
        do { return try DaemonConfiguration.load(file: config) } catch {
            for e in error.errors { print(e.description) }
            throw ExitCode(2)
        }
    }
}
