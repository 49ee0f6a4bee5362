import CTestSupport
import Dispatch
import Foundation
import Glibc
import Synchronization

/// A program the tests start (`curl`, `openssl`, `pocd`, Alertmanager), spawned with
/// `posix_spawn` and reaped with `waitpid`.
///
/// Why not Foundation's `Process`: on Linux it learns that a child exited from a `SIGCHLD`
/// handler feeding a CFRunLoop source, and under libfaketime (the suite is also run 45 days
/// ahead with `faketime`) that news never arrives: `waitUntilExit()` hangs on a child that is
/// long gone. This type needs only system calls, a thread and a `DispatchGroup` wait (a futex
/// with a relative timeout), all of which work under libfaketime; it arms no timer.
///
/// **A clean start.** The child's descriptors 0, 1 and 2 are what the caller asked for and
/// every other descriptor of the test process is closed in the child (`closefrom(3)` as the
/// last spawn file action), so a stray pipe end never keeps some reader waiting for an EOF.
/// Its signal mask is empty and every signal has its default action: the test process
/// ignores `SIGPIPE`, and a `pocd` or `curl` it starts must not inherit that.
///
/// **Waiting.** At spawn, a thread of its own blocks in `waitid(WEXITED | WNOWAIT)`, which
/// reports the exit without reaping, then reaps under the lock; `isRunning` also reaps, with
/// `WNOHANG`, under the same lock. So the status is collected exactly once, whoever comes
/// first, and `send(_:)`, which holds the lock, can never signal a recycled pid. Waiters block
/// on a `DispatchGroup` the reaper leaves: they wake the moment the child exits, use no CPU
/// meanwhile, and any number of threads may wait. Polling would add latency to each of the
/// suite's hundreds of `curl` runs (or wake-ups to every wait); a blocked thread costs a
/// little memory, and it also reaps a child nobody waits for, so no zombie is left behind.
///
/// Rule: nothing else in the process may reap these children (no `waitpid(-1)`, no `SIGCHLD`
/// set to `SIG_IGN`); a status stolen that way stops the test process with a message.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard descriptors (0, 1, 2) goes.
    public enum Redirect: Sendable {
        /// The test process's own descriptor, shared.
        case inherit
        /// `/dev/null`.
        case nullDevice
        /// A new pipe; the test process's end is `standardInput`, `standardOutput` or
        /// `standardError`, and closing it is the caller's business.
        case pipe
        /// A file: opened for reading as stdin; as stdout or stderr created if missing and
        /// appended to (`O_APPEND`, so both may name the same log).
        case file(String)
    }

    /// How a child ended.
    public enum Termination: Equatable, Sendable, CustomStringConvertible {
        /// It exited with this code (0–255).
        case exited(Int32)
        /// This signal killed it.
        case signalled(Int32)

        init(waitStatus status: Int32) {
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot see. Stopped children
            // are not reported: waitpid is never given WUNTRACED.
            let signal = status & 0x7f
            self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        }

        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signalled(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
            }
        }
    }

    /// The child could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        /// The program that was to run.
        public var executable: String
        /// What failed (`posix_spawn`, `pipe`, …) and the `errno` it reported.
        public var call: String
        public var code: Int32
        public var description: String { "cannot start \(executable): \(call): \(String(cString: strerror(code)))" }
    }

    /// The child's process id.
    public let pid: pid_t
    /// The writing end of the child's stdin, if it was given `.pipe`.
    public let standardInput: FileHandle?
    /// The reading end of the child's stdout, if it was given `.pipe`.
    public let standardOutput: FileHandle?
    /// The reading end of the child's stderr, if it was given `.pipe`.
    public let standardError: FileHandle?

    private let executable: String
    /// Set once, by whichever of the watcher and `isRunning` reaps the child.
    private let reaped = Mutex<Termination?>(nil)
    /// Entered at spawn, left when the child is reaped.
    private let exited = DispatchGroup()

    /// Starts `executable` (an absolute path; PATH is not searched) with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil gives it the test process's.
    ///   - standardInput, standardOutput, standardError: where descriptors 0, 1, 2 go.
    /// - Throws: `SpawnError` if the program cannot be run (missing, not executable) or a
    ///   redirect fails (a file that cannot be opened).
    public static func spawn(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                             standardInput: Redirect = .inherit, standardOutput: Redirect = .inherit,
                             standardError: Redirect = .inherit) throws -> ChildProcess {
        func failure(_ call: String, _ code: Int32 = errno) -> SpawnError {
            SpawnError(executable: executable, call: call, code: code)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var parentEnds: [FileHandle?] = [nil, nil, nil]
        var closeAfterSpawn: [Int32] = []  // the child's ends of the pipes
        defer { for fd in closeAfterSpawn { close(fd) } }
        for (slot, redirect) in [standardInput, standardOutput, standardError].enumerated() {
            let target = Int32(slot)
            let writes = slot != 0
            switch redirect {
            case .inherit:
                continue
            case .nullDevice:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", writes ? O_WRONLY : O_RDONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, writes ? O_WRONLY | O_CREAT | O_APPEND : O_RDONLY, 0o644)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0 else { throw failure("pipe") }
                for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                var childEnd = writes ? ends[1] : ends[0]
                parentEnds[slot] = FileHandle(fileDescriptor: writes ? ends[0] : ends[1], closeOnDealloc: true)
                if childEnd < 3 {
                    // Only if the test process runs with 0–2 closed: a source below 3 could be
                    // overwritten by another slot's dup2 before its own turn.
                    let above = fcntl(childEnd, F_DUPFD_CLOEXEC, 3)
                    close(childEnd)
                    guard above >= 0 else { throw failure("fcntl(F_DUPFD_CLOEXEC)") }
                    childEnd = above
                }
                closeAfterSpawn.append(childEnd)
                posix_spawn_file_actions_adddup2(&actions, childEnd, target)
            }
        }
        let closing = cts_posix_spawn_file_actions_addclosefrom(&actions, 3)
        guard closing == 0 else { throw failure("posix_spawn_file_actions_addclosefrom_np", closing) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw failure("posix_spawn", spawned) }
        return ChildProcess(pid: pid, executable: executable, ends: parentEnds)
    }

    private init(pid: pid_t, executable: String, ends: [FileHandle?]) {
        self.pid = pid
        self.executable = executable
        standardInput = ends[0]
        standardOutput = ends[1]
        standardError = ends[2]
        exited.enter()
        // Holds `self` until the child is reaped, so `exited` is always left before it goes.
        let watcher = Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            reaped.withLock { reap(&$0) }
        }
        watcher.name = "ChildProcess \(pid)"
        watcher.start()
    }

    /// Collects the child's status if it has exited and nobody collected it yet; runs with
    /// `reaped` locked.
    private func reap(_ termination: inout Termination?) {
        guard termination == nil else { return }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result == -1 && errno == EINTR
        precondition(result != -1, "waitpid(\(pid)) for \(executable): \(String(cString: strerror(errno))); "
                         + "something else in this process reaped a ChildProcess's child")
        guard result == pid else { return }
        termination = Termination(waitStatus: status)
        exited.leave()
    }

    /// Whether the child has not exited yet (if it has, this collects its status).
    public var isRunning: Bool { termination == nil }

    /// How the child ended, or nil while it runs.
    public var termination: Termination? {
        reaped.withLock { termination in
            reap(&termination)
            return termination
        }
    }

    /// Like Foundation's `Process.terminationStatus`: the exit code, or the number of the
    /// signal that killed the child (`termination` tells which). The child must have ended:
    /// wait for it first.
    public var terminationStatus: Int32 {
        switch termination {
        case .exited(let code): code
        case .signalled(let signal): signal
        case nil: preconditionFailure("\(executable) (pid \(pid)) is still running")
        }
    }

    /// Waits up to `timeout` seconds for the child to end; returns whether it has.
    @discardableResult
    public func wait(timeout: TimeInterval) -> Bool {
        exited.wait(timeout: .now() + max(0, timeout)) == .success
    }

    /// Waits for the child to end, however long that takes.
    public func waitUntilExit() {
        exited.wait()
    }

    /// Sends `signal` (`SIGTERM`, `SIGKILL`, `SIGHUP`, …) unless the child has already been
    /// reaped, when its pid may belong to another process; returns whether it was sent.
    @discardableResult
    public func send(_ signal: Int32) -> Bool {
        reaped.withLock { termination in
            termination == nil && kill(pid, signal) == 0
        }
    }
}
