import Foundation
import XCTest
@testable import HTTP1

/// Every seed of the http-parser fuzz harness, and every crash it ever found (Fuzz/Regressions),
/// replayed through the same checks the harness runs (see Scripts/fuzz.sh).
final class FuzzRegressionTests: XCTestCase {
    func testSeedsAndCrashReproducersOfTheHTTPHarness() throws {
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized
        var replayed = 0
        for folder in ["Corpus/http-parser", "Regressions/http-parser"] {
            let dir = fuzz.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file != "README" {
                let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(file)))
                HTTPRequestParser.exercise(bytes)
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }
}
