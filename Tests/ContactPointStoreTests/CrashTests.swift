import XCTest
import ContactPointModel
import TestSupport
@testable import ContactPointStore

/// A child process appends in a loop and prints each id it was told is durable; we kill it
/// with SIGKILL at a random moment. Every printed id must be in the reopened store, and the
/// chain must verify.
final class CrashTests: StoreTestCase {
    func testEveryAcknowledgedAppendSurvivesKill9() throws {
        for round in 0..<3 {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: BuiltProducts.executable("poc-store-bench"))
            child.arguments = ["loop", dir, "--writers", round == 0 ? "1" : "4"]
            let out = Pipe()
            child.standardOutput = out
            try child.run()
            let wait = Double.random(in: 0.3...1.5)
            Thread.sleep(forTimeInterval: wait)
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal)
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // A line cut by the kill (no newline yet) was not fully printed; ignore it.
            let printed = text.split(separator: "\n", omittingEmptySubsequences: true)
                .dropLast(text.hasSuffix("\n") ? 0 : 1).map(String.init)
            XCTAssertGreaterThan(printed.count, 0, "round \(round): the child printed nothing in \(wait)s")

            let store = try EventStore(directory: dir, clock: .system)
            var missing = 0
            for id in printed where !(try store.contains(eventID: id)) { missing += 1 }
            XCTAssertEqual(missing, 0, "round \(round): \(missing) of \(printed.count) acknowledged appends lost")
            let verified = try store.verifyChain()
            XCTAssertTrue(verified.isIntact, "round \(round): \(verified)")
            XCTAssertGreaterThanOrEqual(verified.count, Int64(printed.count))
            store.close()
        }
    }
}
