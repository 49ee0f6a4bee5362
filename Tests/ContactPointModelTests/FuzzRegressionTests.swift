import Foundation
import XCTest
@testable import ContactPointModel

/// Every seed of the request-decoding fuzz harness, and every crash it ever found (Fuzz/Regressions),
/// replayed through the same checks the harness runs (see Scripts/fuzz.sh).
final class FuzzRegressionTests: XCTestCase {
    func testSeedsAndCrashReproducersOfTheContactPointModelHarness() throws {
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized
        var replayed = 0
        for folder in ["Corpus/request-decoding", "Regressions/request-decoding"] {
            let dir = fuzz.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file != "README" {
                let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(file)))
                EvidenceRequest.exercise(bytes)
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }
}
