import ArgumentParser
import ContactPointModel
import ContactPointStore
import Foundation
import Logging
import Sealing

/// `pocd keys`: the master keys that wrap the data keys sealing requests' content (docs/privacy.md).
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make a master key, or rewrap every data key under the newest master key.",
        subcommands: [Generate.self, Rotate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a new random master key (32 bytes, base64, mode 0600) to a file of its own.",
            discussion: """
                For operators who keep keys apart from the data, on a separate volume or an \
                HSM-backed mount. Refuses to replace an existing file. Then list it last in \
                pocd.yaml's encryption.keys (the last key wraps new data keys) and restart; \
                `pocd keys rotate` moves the existing data keys under it.

                Example:
                  pocd keys generate --output /srv/keys/contactpoint-2027.key
                """)

        @Option(help: ArgumentHelp("The new key file.", valueName: "file")) var output: String

        func run() throws {
            do { try MasterKey.generate(file: output) } catch {
                print("\(error)")
                throw ExitCode(1)
            }
            print("wrote \(output) (0600): add it last to encryption.keys in pocd.yaml, e.g. {id: k2, file: \(output)}")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Rewrap every data key under the newest master key (the last in encryption.keys); events are not touched.",
            discussion: """
                Run it with the daemon stopped (it takes the data directory's lock). Afterwards the \
                older keys wrap nothing: remove them from pocd.yaml and destroy their files. The \
                old wrapped forms are wiped from the database and its WAL.

                Example:
                  pocd keys rotate --config Config/pocd.yaml
                """)

        @OptionGroup var options: ConfigOption

        func run() throws {
            let d = try options.daemonConfiguration()
            do {
                let lock = try DataDirectory(claiming: d.dataDirectory, log: Logger(label: "pocd.keys"))
                defer { withExtendedLifetime(lock) {} }
                let store = try d.store.open(clock: .system)
                defer { store.close() }
                let vault = try Encryption.openVault(d.encryption, store: store, configFile: d.file, clock: .system, log: nil)
                let before = try store.dataKeyCounts()
                let (count, wiped) = try store.rewrapDataKeys(under: vault.newest.id) { vault.rewrap($0) }
                let moved = before.filter { $0.key != vault.newest.id }.map { "\($0.value) from '\($0.key)'" }.sorted()
                print("rewrapped \(count) data key\(count == 1 ? "" : "s") under master key '\(vault.newest.id)'"
                      + (moved.isEmpty ? "" : " (\(moved.joined(separator: ", ")))"))
                if !wiped {
                    print("warning: the WAL could not be truncated (another process was reading the store); the old wrapped "
                          + "forms stay in \(store.path)-wal until the daemon's next start truncates it")
                }
                let old = vault.keys.dropLast().map(\.id)
                if !old.isEmpty {
                    print("no data key is wrapped by \(old.map { "'\($0)'" }.joined(separator: ", ")) any more: remove \(old.count == 1 ? "it" : "them") from encryption.keys and destroy the file\(old.count == 1 ? "" : "s")")
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                print("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
