import Foundation
import Logging

/// The daemon's data directory, claimed for one daemon: made private (`0700`, whatever the
/// umask) and locked with an exclusive `flock` on `pocd.lock`, which holds the PID of the
/// daemon that has it. A second `pocd` on the same directory refuses to start and names the
/// holder. The lock is the kernel's: it ends with the process, even after `kill -9`, so a
/// crash never leaves a stale lock behind.
final class DataDirectory: Sendable {
    let path: String
    /// The lock file's descriptor, open (and the lock held) for the life of the process.
    private let lockDescriptor: Int32

    /// The lock file inside `directory`.
    static func lockPath(_ directory: String) -> String { (directory as NSString).appendingPathComponent("pocd.lock") }

    /// Creates `path` if needed, makes it `0700`, and takes its lock. Throws a one-line reason.
    init(claiming path: String, log: Logger) throws(StartupError) {
        self.path = path
        try Self.makePrivate(path, log: log)
        let lockFile = Self.lockPath(path)
        let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StartupError("cannot open the lock file \(lockFile): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var holder = "another process"
            if reason == EWOULDBLOCK, let text = try? String(contentsOfFile: lockFile, encoding: .utf8),
               let pid = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                holder = "pocd PID \(pid)"
            }
            close(fd)
            if reason == EWOULDBLOCK {
                throw StartupError("data_dir \(path) is in use by \(holder) (it holds \(lockFile)); "
                                   + "stop that daemon first, or give this one another data_dir")
            }
            throw StartupError("cannot lock \(lockFile): \(String(cString: strerror(reason)))")
        }
        _ = fchmod(fd, 0o600)
        _ = ftruncate(fd, 0)
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        lockDescriptor = fd
    }

    /// Creates the directory `0700`, or brings an existing one to `0700` (saying so).
    static func makePrivate(_ path: String, log: Logger) throws(StartupError) {
        var info = stat()
        if stat(path, &info) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw StartupError("cannot create the data directory \(path): \(DaemonConfiguration.reason(error))")
            }
            guard stat(path, &info) == 0 else { throw StartupError("cannot create the data directory \(path)") }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw StartupError("data_dir \(path) is not a directory") }
        let mode = info.st_mode & 0o777
        if mode != 0o700 {
            guard chmod(path, 0o700) == 0 else {
                throw StartupError("cannot make the data directory \(path) private (chmod 700): \(String(cString: strerror(errno)))")
            }
            log.notice("data directory made private: it held personal data readable by others", metadata: [
                "data_dir": "\(path)", "mode_was": "\(String(mode, radix: 8))", "mode": "700",
            ])
        }
    }

    deinit { close(lockDescriptor) }
}

/// Why the daemon cannot start: one line, printed as its exit reason.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The rule ssh applies to private keys: a secret file readable by group or others is
/// refused, with the command that fixes it.
enum SecretFile {
    /// nil if `file` is private to its owner (or cannot be read: the loader reports that);
    /// otherwise the reason to refuse it.
    static func problem(_ file: String, what: String) -> String? {
        var info = stat()
        guard stat(file, &info) == 0 else { return nil }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else { return nil }
        let who = [mode & 0o070 != 0 ? "its group" : nil, mode & 0o007 != 0 ? "others" : nil].compactMap { $0 }.joined(separator: " and ")
        return "\(what) \(file) is readable by \(who) (mode \(String(mode, radix: 8))); "
            + "a secret (private key, password) must be readable by its owner only: chmod 600 \(file)"
    }
}
