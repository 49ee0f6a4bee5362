import Foundation
import TestSupport
import XCTest

/// The README's first command, `Scripts/demo.sh`, from a clean checkout with a temporary
/// state directory: it builds, starts VN's and DE's daemons, submits the sample request,
/// and ends with it in DE's queue. A second run works too. The test stops the daemons.
final class DemoEndToEndTests: XCTestCase {
    func testTheDemoFromACleanCheckout() throws {
        guard FileManager.default.fileExists(atPath: ProjectRoot.path(".git")) else {
            throw XCTSkip("not a git checkout: nothing to clone")
        }
        let work = try TemporaryDirectory(prefix: "demo-checkout")
        let clone = work.path("contactpoint")
        let cloned = try Subprocess.run("git", ["clone", "--quiet", ProjectRoot.url.path, clone])
        XCTAssertEqual(cloned.status, 0, cloned.description)
        let env = ["DEMO_DIR": work.path("state"), "DEMO_VN_PORT": "\(FreePort.next())", "DEMO_DE_PORT": "\(FreePort.next())"]
        defer { _ = try? Subprocess.run("\(clone)/Scripts/demo.sh", ["stop"], environment: env) }

        for run in 1...2 {
            let out = try Subprocess.run("\(clone)/Scripts/demo.sh", [], environment: env, timeout: 1500)
            XCTAssertEqual(out.status, 0, "run \(run): \(out)")
            let queue = out.stdout.components(separatedBy: "DE's queue").last ?? ""
            XCTAssertTrue(queue.contains("VN-A05-2026-0113  incoming   VN"), "run \(run): the sample request is in DE's queue:\n\(out.stdout)")
            XCTAssertTrue(out.stdout.contains("Scripts/demo.sh stop"), "it says how to stop it")
            XCTAssertTrue(out.stdout.contains(run == 1 ? "submitted: 2f1c7e3a" : "already submitted (identical; nothing changed)"), out.stdout)
        }
        let stopped = try Subprocess.run("\(clone)/Scripts/demo.sh", ["stop"], environment: env)
        XCTAssertEqual(stopped.status, 0, stopped.description)
        XCTAssertEqual(stopped.stdout.components(separatedBy: "stopped pocd").count - 1, 2, stopped.stdout)
    }
}
