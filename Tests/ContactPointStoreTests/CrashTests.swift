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
            let child = try ChildProcess.spawn(BuiltProducts.executable("poc-store-bench"),
                                               ["loop", dir, "--writers", round == 0 ? "1" : "4"], standardOutput: .pipe)
            let wait = Double.random(in: 0.3...1.5)
            Thread.sleep(forTimeInterval: wait)
            child.send(SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.termination, .signalled(SIGKILL))
            let text = String(decoding: child.standardOutput!.readDataToEndOfFile(), as: UTF8.self)
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
