import Foundation

/// What a finished child process left behind.
public struct ProcessOutput: Sendable, CustomStringConvertible {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs real programs (`curl`, `openssl`, `poc`, `pocd`) the way a user would.
public enum Subprocess {
    /// Runs `executable` with `arguments`, feeding `input` to its stdin, and waits (up to `timeout`).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: [UInt8]? = nil, timeout: TimeInterval = 60) throws -> ProcessOutput {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
        p.arguments = arguments
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let stdin = input.map { _ in Pipe() }
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()
        if let input, let stdin {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so neither fills up and blocks the child.
        let group = DispatchGroup()
        let collected = Collected()
        group.enter()
        DispatchQueue.global().async {
            collected.set(out: out.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            collected.set(err: err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
            // Something else may hold the pipes (a daemon the child left behind): do not wait
            // for it forever; report what arrived, as a failure.
            if group.wait(timeout: .now() + 5) == .timedOut {
                let (o, e) = collected.get()
                return ProcessOutput(status: -1, stdout: String(decoding: o, as: UTF8.self),
                                     stderr: String(decoding: e, as: UTF8.self) + "\n(timed out after \(Int(timeout)) s)")
            }
        }
        p.waitUntilExit()
        let (o, e) = collected.get()
        return ProcessOutput(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs `executable`, feeding `input` as UTF-8 text.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: String, timeout: TimeInterval = 60) throws -> ProcessOutput {
        try run(executable, arguments, environment: environment, input: Array(input.utf8), timeout: timeout)
    }

    /// The absolute path of a program on PATH.
    public static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(name) is not on PATH"])
    }
}

private final class Collected: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var out = Data(), err = Data()
    func set(out d: Data) { lock.lock(); out = d; lock.unlock() }
    func set(err d: Data) { lock.lock(); err = d; lock.unlock() }
    func get() -> (Data, Data) { lock.lock(); defer { lock.unlock() }; return (out, err) }
}
