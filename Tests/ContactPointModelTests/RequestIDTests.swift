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

    func testTimeOrderedIDsAreVersionSevenUUIDsThatCarryTheirMillisecondAndSortByIt() throws {
        let t = try XCTUnwrap(Instant(rfc3339: "2031-07-04T09:15:30.123Z"))
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = RequestID.timeOrdered(at: t)
            let text = id.description
            XCTAssertNotNil(text.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression), text)
            XCTAssertEqual(id.version, 7)
            XCTAssertEqual(Int64(id.high >> 16), t.millisecondsSince1970, "the first 48 bits are the Unix milliseconds (RFC 9562 §5.7)")
            XCTAssertEqual(RequestID(text), id)
            seen.insert(text)
        }
        XCTAssertEqual(seen.count, 1_000, "74 random bits tell apart the ids of one millisecond")
        // Later ids sort after earlier ones, as numbers and as text: that is what keeps the store's indexes append-only.
        let later = RequestID.timeOrdered(at: Instant(millisecondsSince1970: t.millisecondsSince1970 + 1))
        XCTAssertLessThan(RequestID.timeOrdered(at: t), later)
        XCTAssertLessThan(RequestID.timeOrdered(at: t).description, later.description)
        // A clock before 1970 gives the smallest time, never a borrowed bit of the version.
        let early = RequestID.timeOrdered(at: Instant(millisecondsSince1970: -5))
        XCTAssertEqual(early.high >> 16, 0)
        XCTAssertEqual(early.version, 7)
        XCTAssertEqual(RequestID.random().version, 4)
    }
}
