import Foundation
import XCTest
@testable import ContactPointDaemon

/// Every seed of the config-loader fuzz harness, and every crash it ever found (Fuzz/Regressions),
/// replayed through the same checks the harness runs (see Scripts/fuzz.sh).
final class FuzzRegressionTests: XCTestCase {
    func testSeedsAndCrashReproducersOfTheContactPointDaemonHarness() throws {
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized
        var replayed = 0
        for folder in ["Corpus/config-loader", "Regressions/config-loader"] {
            let dir = fuzz.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file != "README" {
                let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(file)))
                ConfigurationSet.exercise(yaml: String(decoding: bytes, as: UTF8.self))
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }
}
