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
    ///
    /// A child still running at the deadline is killed and the result says it timed out; if
    /// something else still holds its output pipes (a daemon it left behind), the result
    /// comes 5 s later with status -1 and what had arrived, instead of hanging the test.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: [UInt8]? = nil, timeout: TimeInterval = 60) throws -> ProcessOutput {
        let deadline = DispatchTime.now() + timeout
        let child = try ChildProcess.spawn(executable.hasPrefix("/") ? executable : try which(executable), arguments,
                                           environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } },
                                           standardInput: input == nil ? .nullDevice : .pipe,
                                           standardOutput: .pipe, standardError: .pipe)
        // Feed stdin and drain both pipes concurrently, so no pipe fills up and blocks the child.
        let group = DispatchGroup()
        let collected = Collected()
        if let input, let stdin = child.standardInput {
            _ = brokenPipeIgnored  // a child that exits without reading its input must not kill the tests
            group.enter()
            DispatchQueue.global().async {
                writeAll(input, to: stdin.fileDescriptor)
                try? stdin.close()
                group.leave()
            }
        }
        for (pipe, isOutput) in [(child.standardOutput!, true), (child.standardError!, false)] {
            group.enter()
            DispatchQueue.global().async {
                readToEnd(pipe.fileDescriptor) { collected.append($0, toOutput: isOutput) }
                group.leave()
            }
        }
        let left = { Double(Int64(bitPattern: deadline.uptimeNanoseconds &- DispatchTime.now().uptimeNanoseconds)) / 1e9 }
        if group.wait(timeout: deadline) == .success, child.wait(timeout: left()) {
            let (o, e) = collected.get()
            return ProcessOutput(status: child.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                 stderr: String(decoding: e, as: UTF8.self))
        }
        child.send(SIGKILL)
        // Something else may hold the pipes (a daemon the child left behind): do not wait
        // for it forever; report what arrived, as a failure.
        let drained = group.wait(timeout: .now() + 5) == .success
        let ended = child.wait(timeout: 5)
        let (o, e) = collected.get()
        return ProcessOutput(status: drained && ended ? child.terminationStatus : -1, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e, as: UTF8.self) + "\n(timed out after \(Int(timeout)) s)")
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

/// Once per process: writing to a pipe whose reader has gone then fails with EPIPE instead.
private let brokenPipeIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

private func writeAll(_ bytes: [UInt8], to fd: Int32) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            offset += n
        } else if n == -1 && errno == EINTR {
            continue
        } else {
            return  // EPIPE: the child does not want the rest
        }
    }
}

private func readToEnd(_ fd: Int32, _ body: ([UInt8]) -> Void) {
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            body(Array(buffer[..<n]))
        } else if n == -1 && errno == EINTR {
            continue
        } else {
            return
        }
    }
}

/// Output as it arrives, so a run that times out still reports what it printed.
private final class Collected: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var out = Data(), err = Data()
    func append(_ bytes: [UInt8], toOutput: Bool) {
        lock.lock()
        if toOutput { out.append(contentsOf: bytes) } else { err.append(contentsOf: bytes) }
        lock.unlock()
    }
    func get() -> (Data, Data) { lock.lock(); defer { lock.unlock() }; return (out, err) }
}
