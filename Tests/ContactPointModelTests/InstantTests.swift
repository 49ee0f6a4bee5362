import XCTest
@testable import ContactPointModel

final class InstantTests: XCTestCase {
    func testParsesZonesAndAnswersUTC() {
        XCTAssertEqual(Instant(rfc3339: "2026-10-01T00:00:00Z")?.rfc3339, "2026-10-01T00:00:00Z")
        XCTAssertEqual(Instant(rfc3339: "2026-10-01T07:00:00+07:00")?.rfc3339, "2026-10-01T00:00:00Z")
        XCTAssertEqual(Instant(rfc3339: "2026-09-30T22:30:00-01:30")?.rfc3339, "2026-10-01T00:00:00Z")
        XCTAssertEqual(Instant(rfc3339: "2026-10-01T00:00:00.5Z")?.rfc3339, "2026-10-01T00:00:00.500Z")
        XCTAssertEqual(Instant(rfc3339: "2026-10-01T00:00:00.123456z")?.millisecondsSince1970, 1_790_812_800_123)
        XCTAssertEqual(Instant(rfc3339: "1970-01-01T00:00:00Z")?.millisecondsSince1970, 0)
        XCTAssertEqual(Instant(rfc3339: "2024-02-29T12:00:00Z")?.rfc3339, "2024-02-29T12:00:00Z")
        XCTAssertEqual(Instant(millisecondsSince1970: -1).rfc3339, "1969-12-31T23:59:59.999Z")
    }

    func testFormatsTheEdgesOfFourDigitYearsAndBeyond() {
        XCTAssertEqual(Instant(rfc3339: "0000-01-01T00:00:00Z")?.rfc3339, "0000-01-01T00:00:00Z")
        XCTAssertEqual(Instant(rfc3339: "9999-12-31T23:59:59.999Z")?.rfc3339, "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(Instant(rfc3339: "0009-03-04T05:06:07.089Z")?.rfc3339, "0009-03-04T05:06:07.089Z")
        let after = Instant(rfc3339: "9999-12-31T23:59:59.999Z")!.millisecondsSince1970 + 1
        XCTAssertEqual(Instant(millisecondsSince1970: after).rfc3339, "10000-01-01T00:00:00Z")
        for ms: Int64 in [1, 10, 99, 100, 999, 1_000, 59_999, 86_399_999] {
            let t = Instant(millisecondsSince1970: 1_790_812_800_000 + ms)
            XCTAssertEqual(Instant(rfc3339: t.rfc3339), t, t.rfc3339)
        }
    }

    func testRefusesTimesWithoutAZoneAndImpossibleDates() {
        for text in ["2026-10-01T00:00:00", "2026-10-01", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                     "2026-04-31T00:00:00Z", "2026-10-01T24:00:00Z", "2026-10-01T00:60:00Z", "2026-10-01 00:00:00Z",
                     "2026-10-01T00:00:00+7:00", "2026-10-01T00:00:00.Z", "yesterday", "2026-10-01T00:00:00Zjunk"] {
            XCTAssertNil(Instant(rfc3339: text), text)
        }
    }

    func testFormatsEveryDayOfAYearAndParsesItBack() {
        var t = Instant(rfc3339: "2027-12-25T13:14:15Z")!
        for _ in 0..<800 {
            XCTAssertEqual(Instant(rfc3339: t.rfc3339), t)
            t = t - .days(1)
        }
    }

    func testDurationArithmetic() {
        let t = Instant(rfc3339: "2026-11-23T08:00:00Z")!
        XCTAssertEqual((t + .days(60)).rfc3339, "2027-01-22T08:00:00Z")
        XCTAssertEqual((t - .hours(48)).rfc3339, "2026-11-21T08:00:00Z")
    }
}

final class PolicyDurationTests: XCTestCase {
    func testParsesUnitsAndSums() {
        XCTAssertEqual(PolicyDuration(parsing: "30s")?.seconds, 30)
        XCTAssertEqual(PolicyDuration(parsing: "45m")?.seconds, 2700)
        XCTAssertEqual(PolicyDuration(parsing: "8h")?.seconds, 28_800)
        XCTAssertEqual(PolicyDuration(parsing: "3d")?.seconds, 259_200)
        XCTAssertEqual(PolicyDuration(parsing: "1d12h")?.seconds, 129_600)
        XCTAssertEqual(PolicyDuration(parsing: "0s")?.seconds, 0)
    }

    func testRefusesMalformedDurations() {
        for text in ["", "30", "s", "3w", "-1h", "1.5h", "1 h", "h1", "99999999999d", "1h30"] {
            XCTAssertNil(PolicyDuration(parsing: text), text)
        }
    }

    func testWritesTheShortestSpelling() {
        XCTAssertEqual(PolicyDuration.seconds(86_400).description, "1d")
        XCTAssertEqual(PolicyDuration.hours(48).description, "2d")
        XCTAssertEqual(PolicyDuration.hours(36).description, "36h")
        XCTAssertEqual(PolicyDuration.minutes(90).description, "90m")
        XCTAssertEqual(PolicyDuration.seconds(3725).humanReadable, "1h 2m")
    }
}

final class CompactTypesTests: XCTestCase {
    func testRequestIDsRoundTripAndRefuseNonUUIDs() {
        let text = "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"
        XCTAssertEqual(RequestID(text)?.description, text)
        XCTAssertEqual(RequestID(text.uppercased())?.description, text)
        for bad in ["", "2f1c7e3a9a1b4c528f0e7d1e2b3c4d5e", "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5", "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5g",
                    "2f1c7e3a-9a1b-4c52-8f0e7-d1e2b3c4d5e", "------------------------------------"] {
            XCTAssertNil(RequestID(bad), bad)
        }
        XCTAssertEqual(MemoryLayout<RequestID>.size, 16)
    }

    func testCountryCodesPackIntoTwoBytes() {
        XCTAssertEqual(CountryCode("VN")?.code, "VN")
        XCTAssertEqual(CountryCode(packed: CountryCode("DE")!.packed), CountryCode("DE"))
        XCTAssertNil(CountryCode(packed: 0x5858))  // "XX" is not assigned
        XCTAssertEqual(MemoryLayout<CountryCode>.size, 2)
    }

    func testASnapshotRestoresTheSameRecord() throws {
        let request = try decode(validRequestJSON).get()
        var r = CaseRecord(request, submittedAt: t0)
        for e: CaseEvent in [.delivered(by: "pocd.de"), .escalated(Escalation(deadline: .acknowledge, dueAt: t0, level: 2, notify: [], lateBy: .zero)),
                             .acknowledged, .preserved(providerReference: "P", partial: false, expiresAt: t0 + .days(60)),
                             .reminded(expiresAt: t0 + .days(60), before: .days(14))] {
            try r.apply(e, at: t0 + .hours(1))
        }
        XCTAssertEqual(CaseRecord(snapshot: r.snapshot), r)
        XCTAssertEqual(r.id, request.id)
    }
}
