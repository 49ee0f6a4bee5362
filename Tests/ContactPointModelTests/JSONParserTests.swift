import XCTest
@testable import ContactPointModel

final class JSONParserTests: XCTestCase {
    func testParsesEveryKindOfValueAndKeepsKeyOrder() throws {
        let v = try JSONParser.parse(#" {"b": [1, -2.5, 3e2, true, false, null], "a": {"x": "y\n\u00e9\ud83d\ude00"}} "#)
        XCTAssertEqual(v.objectValue?.keys, ["b", "a"])
        XCTAssertEqual(v["b"], [1, .number(-2.5), 300, true, false, nil])
        XCTAssertEqual(v["a"]?["x"], "y\né😀")
    }

    func testRefusesADuplicateMemberInObjectsSmallAndLarge() throws {
        for size in [2, 15, 16, 17, 40] {
            let members = (0..<size).map { #""k\#($0)":\#($0)"# }
            let object = try JSONParser.parse("{" + members.joined(separator: ",") + "}")
            XCTAssertEqual(object.objectValue?.keys.count, size)
            for duplicate in [0, size / 2, size - 1] {
                let text = "{" + (members + [#""k\#(duplicate)":0"#]).joined(separator: ",") + "}"
                XCTAssertThrowsError(try JSONParser.parse(text), "\(size) members, k\(duplicate) again") { error in
                    XCTAssertEqual((error as? JSONParser.Error)?.reason, "duplicate member \"k\(duplicate)\"")
                }
            }
        }
    }

    func testRefusesWhatIsNotStrictJSON() {
        let cases: [(String, String)] = [
            (#"{"a":1,"a":2}"#, "duplicate member \"a\""),
            (#"{"a":1} x"#, "unexpected data after the document"),
            (#"[01]"#, "leading zeros are not allowed"),
            (#"["\ud800"]"#, "lone surrogate"),
            (#"{"a":1,}"#, "expected a member name"),
            (#"[1,]"#, "expected a value"),
            ("[\"a\tb\"]", "control character"),
            (#"{'a':1}"#, "expected a member name"),
            (#"[1.]"#, "expected a digit after '.'"),
            (#"[1e]"#, "expected a digit in the exponent"),
            (#"["\x"]"#, "invalid escape"),
            ("", "unexpected end of data"),
            (#"[tru]"#, "expected 'true'"),
            (#"{"a" 1}"#, "expected ':'"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(text): \(error)")
            }
        }
    }

    func testRefusesInvalidUTF8AndOverlongForms() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82]] {
            XCTAssertThrowsError(try JSONParser.parse(bytes), "\(bytes)")
        }
    }

    func testRefusesNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertThrowsError(try JSONParser.parse(deep)) { XCTAssertTrue("\($0)".contains("nesting deeper than 64")) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try JSONParser.parse(ok))
    }

    func testErrorsNameTheByteOffset() {
        XCTAssertThrowsError(try JSONParser.parse(#"{"a":1 "b":2}"#)) { error in
            XCTAssertEqual((error as? JSONParser.Error)?.offset, 7)
        }
    }

    func testSerializationEscapesAndRoundTrips() throws {
        let v: JSONValue = ["q": "say \"hi\"\\\u{01}\t", "n": 12, "f": .number(0.5), "u": "é"]
        let text = v.serializedString()
        XCTAssertEqual(text, #"{"q":"say \"hi\"\\\u0001\t","n":12,"f":0.5,"u":"é"}"#)
        XCTAssertEqual(try JSONParser.parse(text), v)
    }

    func testCanonicalFormSortsKeysAtEveryLevel() {
        let a: JSONValue = ["b": 1, "a": ["d": 1, "c": 2]]
        let b: JSONValue = ["a": ["c": 2, "d": 1], "b": 1]
        XCTAssertEqual(String(decoding: a.canonicalBytes(), as: UTF8.self), #"{"a":{"c":2,"d":1},"b":1}"#)
        XCTAssertEqual(a.canonicalBytes(), b.canonicalBytes())
        XCTAssertNotEqual(a.serialized(), b.serialized())
    }
}
