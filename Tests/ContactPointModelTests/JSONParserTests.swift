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

    /// The eight-at-a-time scan finds exactly the first byte a byte-by-byte scan finds, for a
    /// special byte (or none) at every position and alignment, beside UTF-8 bytes of 0x80 and up
    /// (whose high bit must never count as a match), and the writer and parser agree with it.
    func testTheWordAtATimeScanFindsWhatAByteAtATimeScanFinds() throws {
        let specials: [UInt8] = [0x00, 0x01, 0x1F, 0x22, 0x5C]
        let fillers: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xA0, 0xDF, 0xFF]
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            for _ in 0..<20 {
                var bytes = (0..<length).map { _ in fillers.randomElement(using: &generator)! }
                if length > 0, Bool.random(using: &generator) {
                    for _ in 0..<Int.random(in: 1...2, using: &generator) {
                        bytes[Int.random(in: 0..<length, using: &generator)] = specials.randomElement(using: &generator)!
                    }
                }
                for start in 0...length {
                    let expected = bytes[start...].firstIndex(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) ?? length
                    let found = bytes.withUnsafeBufferPointer { JSONStringScan.firstSpecial($0, from: start) }
                    XCTAssertEqual(found, expected, "\(bytes) from \(start)")
                }
            }
        }
        // Every single-byte control character, quote and backslash at each of the eight lanes.
        for lane in 0..<16 {
            for special in (0..<0x20).map(UInt8.init) + [0x22, 0x5C] {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 16)
                bytes[lane] = special
                XCTAssertEqual(bytes.withUnsafeBufferPointer { JSONStringScan.firstSpecial($0, from: 0) }, lane)
            }
        }
        // The writer escapes what the scan finds, and the parser reads it back.
        let text = "0123456789\"abcdefgh\\ijklmnop\u{01}qrstuvwxyzé😀\nABCDEFGHIJKLMNOPQRSTUVWXYZ"
        let written = JSONValue.string(text).serializedString()
        XCTAssertEqual(written, #""0123456789\"abcdefgh\\ijklmnop\u0001qrstuvwxyzé😀\nABCDEFGHIJKLMNOPQRSTUVWXYZ""#)
        XCTAssertEqual(try JSONParser.parse(written), .string(text))
        XCTAssertThrowsError(try JSONParser.parse("\"0123456789abcdef\u{1F}\""))
        XCTAssertThrowsError(try JSONParser.parse("\"0123456789abcdef"))
    }

    /// What the writer writes member by member is byte for byte what the same tree serializes to.
    func testTheWriterWritesWhatTheTreeSerializesTo() throws {
        let tree: JSONValue = [
            "id": "a\"b", "n": 12, "neg": -7, "t": true, "f": false, "none": nil,
            "empty_array": [], "empty_object": .object(JSONObject()),
            "list": [1, "x", ["k": [true, nil]], []],
            "nested": ["deep": ["deeper": ["é\n", 0]]],
        ]
        var w = JSONWriter(capacity: 8)
        w.beginObject()
        w.member("id", "a\"b")
        w.member("n", integer: 12)
        w.member("neg", integer: -7)
        w.member("t", true)
        w.member("f", false)
        w.key("none"); w.null()
        w.key("empty_array"); w.beginArray(); w.endArray()
        w.key("empty_object"); w.beginObject(); w.endObject()
        w.key("list")
        w.beginArray()
        w.integer(1)
        w.string("x")
        w.value(["k": [true, nil]])
        w.beginArray(); w.endArray()
        w.endArray()
        w.key("nested")
        w.beginObject()
        w.key("deep")
        w.beginObject()
        w.member("deeper", ["é\n", 0])
        w.endObject()
        w.endObject()
        w.endObject()
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), tree.serializedString())
        XCTAssertEqual(try JSONParser.parse(w.bytes), tree)
        var top = JSONWriter()
        top.beginArray(); top.beginObject(); top.endObject(); top.beginObject(); top.member("a", integer: 1); top.endObject(); top.endArray()
        XCTAssertEqual(String(decoding: top.bytes, as: UTF8.self), #"[{},{"a":1}]"#)
        // A name made once as a key writes what the same name written each time does, escapes included.
        var byKey = JSONWriter(), byName = JSONWriter()
        for (name, value) in [("id", "a"), ("quote\"d", "b"), ("é\n", "c")] {
            if name == "id" { byKey.beginObject(); byName.beginObject() }
            byKey.member(JSONWriter.Key(name), value)
            byName.member(name, value)
        }
        byKey.member(JSONWriter.Key("n"), integer: -3)
        byName.member("n", integer: -3)
        byKey.endObject(); byName.endObject()
        XCTAssertEqual(String(decoding: byKey.bytes, as: UTF8.self), String(decoding: byName.bytes, as: UTF8.self))
        XCTAssertEqual(try JSONParser.parse(byKey.bytes), ["id": "a", "quote\"d": "b", "é\n": "c", "n": -3])
        // Integers are spelled as String(n) spells them, at the edges too.
        var numbers = JSONWriter()
        let values: [Int64] = [0, 7, -7, 10, -10, 99, 100, 1_234_567_890, Int64.max, Int64.min, Int64.min + 1]
        numbers.beginArray()
        for n in values { numbers.integer(n) }
        numbers.endArray()
        XCTAssertEqual(String(decoding: numbers.bytes, as: UTF8.self), "[" + values.map { String($0) }.joined(separator: ",") + "]")
    }
}
