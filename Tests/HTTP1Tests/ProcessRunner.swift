import Foundation

/// The outcome of a finished subprocess.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
}

/// Runs `executable` with `arguments`, feeding `input` on stdin (then closing it after
/// `holdInputOpen` seconds), and returns its exit status and output. The process is
/// killed after `timeout` seconds.
func runProcess(_ executable: String, _ arguments: [String], input: String = "",
                holdInputOpen: TimeInterval = 0, timeout: TimeInterval = 60) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var out = Data(), err = Data()
    group.enter()
    DispatchQueue.global().async {
        out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    group.enter()
    DispatchQueue.global().async {
        err = stderr.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
    if holdInputOpen > 0 { Thread.sleep(forTimeInterval: holdInputOpen) }
    try? stdin.fileHandleForWriting.close()
    let finished = group.wait(timeout: .now() + timeout) == .success
    if !finished { process.terminate() }
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self),
                         timedOut: !finished)
}
