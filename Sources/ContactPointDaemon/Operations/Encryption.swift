import ContactPointModel
import ContactPointStore
import Foundation
import Logging
import Sealing

/// Opens the master keys named in pocd.yaml (or the default one, made at the first start)
/// and checks them against the store before anything is read (docs/privacy.md §2).
enum Encryption {
    /// The vault for `settings`, checked against `store`. Throws a one-line reason: a missing,
    /// loosely permissioned or malformed key file, a file that is not the key the store was
    /// sealed with under that id, or a key the store still needs that pocd.yaml no longer lists.
    static func openVault(_ settings: EncryptionSettings, store: EventStore, configFile: String, clock: Clock,
                          log: Logger?) throws -> Vault {
        let known = try store.masterKeyChecks()
        if !settings.configured, let key = settings.keys.first, !FileManager.default.fileExists(atPath: key.file) {
            guard !known.contains(where: { $0.id == key.id }) else {
                throw StartupError("\(configFile): the master key '\(key.id)' this store was sealed with is missing from \(key.file); "
                    + "restore it from your key backup (a new key cannot read what the old one sealed)")
            }
            do { try MasterKey.generate(file: key.file) } catch { throw StartupError("\(error)") }
            log?.notice("made the first master key (no encryption block in pocd.yaml); keep a copy apart from the database's backups: a backup that carries its own key protects nothing", metadata: ["id": "\(key.id)", "file": "\(key.file)"])
        }
        var keys: [MasterKey] = []
        for k in settings.keys {
            do { keys.append(try MasterKey.read(id: k.id, file: k.file)) } catch {
                throw StartupError("\(configFile): encryption.keys: \(error)")
            }
        }
        let vault = Vault(keys: keys)
        for (id, check) in known {
            guard let key = vault.key(id) else {
                let count = try store.dataKeyCounts()[id] ?? 0
                guard count == 0 else {
                    throw StartupError("\(configFile): encryption.keys does not list master key '\(id)', which wraps \(count) data "
                        + "key\(count == 1 ? "" : "s") of this store; list it again (run `pocd keys rotate` before removing a key)")
                }
                continue
            }
            guard key.matches(check: check) else {
                throw StartupError("\(configFile): encryption key '\(id)' (\(key.file)) is not the key this store was sealed with "
                    + "under that id; refusing to start rather than write content no one can read")
            }
        }
        for key in keys where !known.contains(where: { $0.id == key.id }) {
            try store.recordMasterKey(id: key.id, check: key.check, at: clock.now())
        }
        return vault
    }
}
