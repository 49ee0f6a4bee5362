import Foundation
import Glibc
import TestSupport
import XCTest

/// `ChildProcess`: how children end, waiting, what they inherit and what they do not.
/// Every test also runs under `faketime '+45 days'`, where Foundation's `Process` hangs.
final class ChildProcessTests: XCTestCase {
    func sh(_ script: String, environment: [String: String]? = nil, stdout: ChildProcess.Redirect = .pipe,
            stderr: ChildProcess.Redirect = .inherit) throws -> ChildProcess {
        try ChildProcess.spawn("/bin/sh", ["-c", script], environment: environment, standardOutput: stdout, standardError: stderr)
    }

    func output(_ handle: FileHandle?) -> String {
        String(decoding: handle?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
    }

    func testExitCodesAreReported() throws {
        for code: Int32 in [0, 1, 3, 255] {
            let child = try sh("exit \(code)", stdout: .nullDevice)
            XCTAssertTrue(child.wait(timeout: 10))
            XCTAssertEqual(child.termination, .exited(code))
            XCTAssertEqual(child.terminationStatus, code)
            XCTAssertFalse(child.isRunning)
        }
    }

    func testASignalDeathIsToldApartFromAnExit() throws {
        let selfKilled = try sh("kill -TERM $$", stdout: .nullDevice)
        selfKilled.waitUntilExit()
        XCTAssertEqual(selfKilled.termination, .signalled(SIGTERM))
        XCTAssertEqual(selfKilled.terminationStatus, SIGTERM, "like Foundation: the signal number")

        let exitedWithFifteen = try sh("exit 15", stdout: .nullDevice)
        exitedWithFifteen.waitUntilExit()
        XCTAssertEqual(exitedWithFifteen.termination, .exited(15))
        XCTAssertNotEqual(exitedWithFifteen.termination, selfKilled.termination)
    }

    func testWaitTimesOutOnARunningChildAndSendKillsIt() throws {
        let child = try ChildProcess.spawn("/bin/sleep", ["30"])
        let started = DispatchTime.now()
        XCTAssertFalse(child.wait(timeout: 0.3))
        let waited = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        XCTAssertGreaterThanOrEqual(waited, 0.25)
        XCTAssertLessThan(waited, 5)
        XCTAssertTrue(child.isRunning)
        XCTAssertNil(child.termination)

        XCTAssertTrue(child.send(SIGKILL))
        XCTAssertTrue(child.wait(timeout: 10))
        XCTAssertEqual(child.termination, .signalled(SIGKILL))
        XCTAssertFalse(child.send(SIGKILL), "a reaped child's pid may be someone else's: nothing is sent")
    }

    func testManyWaitersWakeAndTheStatusIsCollectedOnce() throws {
        let child = try ChildProcess.spawn("/bin/sleep", ["0.3"])
        let woke = DispatchGroup()
        for _ in 0..<4 {
            DispatchQueue.global().async(group: woke) { child.waitUntilExit() }
        }
        // Meanwhile this thread reaps with WNOHANG; it and the watcher must not both collect.
        var polls = 0
        while child.isRunning {
            polls += 1
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(woke.wait(timeout: .now() + 10), .success)
        XCTAssertGreaterThan(polls, 0)
        XCTAssertEqual(child.termination, .exited(0))
        XCTAssertEqual(child.termination, .exited(0), "asked again, the same status")
    }

    func testTheEnvironmentIsTheOneGivenOrElseInherited() throws {
        let given = try sh(#"echo "$CP_ONE|${HOME-unset}""#, environment: ["CP_ONE": "1", "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(output(given.standardOutput), "1|unset\n", "only what was given")
        given.waitUntilExit()

        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let inherited = try sh(#"echo "$PATH""#)
        XCTAssertEqual(output(inherited.standardOutput), path + "\n")
        inherited.waitUntilExit()
    }

    func testStandardInputOutputAndErrorArePipes() throws {
        let child = try ChildProcess.spawn("/bin/sh", ["-c", "cat; echo done >&2"],
                                           standardInput: .pipe, standardOutput: .pipe, standardError: .pipe)
        let text = String(repeating: "0123456789abcdef", count: 8192)  // 128 KiB: more than a pipe holds
        DispatchQueue.global().async {
            child.standardInput!.write(Data(text.utf8))
            try? child.standardInput!.close()
        }
        XCTAssertEqual(output(child.standardOutput), text)
        XCTAssertEqual(output(child.standardError), "done\n")
        child.waitUntilExit()
        XCTAssertEqual(child.termination, .exited(0))
    }

    func testStdoutAndStderrCanShareOneAppendedFile() throws {
        let folder = try TemporaryDirectory(prefix: "child-process")
        let log = folder.path("log")
        try "before\n".write(toFile: log, atomically: true, encoding: .utf8)
        let child = try sh("echo out; echo err >&2", stdout: .file(log), stderr: .file(log))
        child.waitUntilExit()
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "before\nout\nerr\n")
    }

    func testAChildInheritsNoOtherDescriptor() throws {
        // Opened without O_CLOEXEC, as Foundation and C libraries often do.
        let unrelated = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThanOrEqual(unrelated, 3)
        defer { close(unrelated) }
        var ends: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&ends), 0)
        defer { ends.forEach { close($0) } }

        // The shell's own test: listing the directory would open a descriptor of its own.
        let asked = [1, unrelated] + ends
        let child = try sh("for fd in \(asked.map(String.init).joined(separator: " ")); do [ -e /proc/$$/fd/$fd ] && echo $fd; done; true")
        XCTAssertEqual(output(child.standardOutput), "1\n", "only stdout of \(asked) is open in the child")
        child.waitUntilExit()
    }

    func testSignalsStartWithTheirDefaultActions() throws {
        // The test process ignores SIGPIPE (TLSTransport and Subprocess do); a child must not.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let child = try ChildProcess.spawn("/bin/sleep", ["30"])
        defer { child.send(SIGKILL) }
        let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
        let ignored = status.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
        // Signals 1–31 only: glibc's posix_spawn leaves its internal 32 and 33 ignored.
        let mask = ignored?.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) }
        XCTAssertEqual(mask.map { $0 & 0x7fff_ffff }, 0, "\(ignored ?? "")")
    }

    func testAProgramThatCannotRunIsAnError() throws {
        XCTAssertThrowsError(try ChildProcess.spawn("/nonexistent/program")) { error in
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
        XCTAssertThrowsError(try ChildProcess.spawn("/bin/true", standardInput: .file("/nonexistent/input")))
    }
}
