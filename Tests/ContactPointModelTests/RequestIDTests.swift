import XCTest
@testable import ContactPointModel

final class RequestIDTests: XCTestCase {
    func testParsesTheCanonicalFormInEitherCaseAndRefusesTheRest() {
        let id = RequestID("2F1C7E3A-9a1b-4c52-8f0e-7d1e2b3c4d5e")
        XCTAssertEqual(id?.description, "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e")
        for text in ["", "2f1c7e3a9a1b4c528f0e7d1e2b3c4d5e", "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5", "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5ee",
                     "2f1c7e3a-9a1b4-c52-8f0e-7d1e2b3c4d5e", "2f1c7e3g-9a1b-4c52-8f0e-7d1e2b3c4d5e", "-2f1c7e3a9a1b-4c52-8f0e-7d1e2b3c4d5e"] {
            XCTAssertNil(RequestID(text), text)
        }
    }

    func testRandomIDsAreVersionFourUUIDsThatParseBackAndDiffer() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let text = RequestID.random().description
            XCTAssertNotNil(text.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression), text)
            XCTAssertEqual(RequestID(text)?.description, text)
            seen.insert(text)
        }
        XCTAssertEqual(seen.count, 1_000)
    }
}
