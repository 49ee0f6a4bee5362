import XCTest
import ContactPointModel

/// JCS (RFC 8785) serialization of `JSONValue`: the audit log's leaf data.
final class JCSTests: XCTestCase {
    private func jcs(_ text: String) throws -> String {
        let value = try JSONParser.parse(text)
        return String(decoding: value.jcsBytes(), as: UTF8.self)
    }

    private func jcs(_ value: JSONValue) -> String {
        String(decoding: value.jcsBytes(), as: UTF8.self)
    }

    /// Input and expected output of the reference test data of RFC 8785's author,
    /// github.com/cyberphone/json-canonicalization, testdata/input and testdata/output.
    /// `values` is also the example of RFC 8785 §3.2.2.
    func testReferenceTestData() throws {
        let cases: [(name: String, input: String, output: String)] = [
            ("arrays",
             #"[ 56, { "d": true, "10": null, "1": [ ] } ]"#,
             #"[56,{"1":[],"10":null,"d":true}]"#),
            ("french",
             #"{ "peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin":   "ignore locale" }"#,
             #"{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ignore locale"}"#),
            ("structures",
             #"{ "1": {"f": {"f": "hi","F": 5} ,"\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ {"e": "yes","E": "no" } ], "A": { } }"#,
             #"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}"#),
            ("unicode",
             #"{ "Unnormalized Unicode":"A\u030a" }"#,
             "{\"Unnormalized Unicode\":\"A\u{030A}\"}"),
            ("values",
             #"{ "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false] }"#,
             #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#),
            ("weird",
             #"{ "\u20ac": "Euro Sign", "\r": "Carriage Return", "\u000a": "Newline", "1": "One", "\u0080": "Control\u007f", "\ud83d\ude02": "Smiley", "\u00f6": "Latin Small Letter O With Diaeresis", "\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge" }"#,
             "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{0080}\":\"Control\u{007F}\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😂\":\"Smiley\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"),
        ]
        for c in cases {
            XCTAssertEqual(try jcs(c.input), c.output, c.name)
        }
    }

    /// RFC 8785 §3.2.3, the sorting example: names compared as UTF-16 code units put U+1F600
    /// (D83D DE00) before U+FB33, the reverse of their code point (and UTF-8) order.
    func testMembersSortByUTF16CodeUnits() throws {
        let input = #"{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}"#
        let value = try JSONParser.parse(input)
        let order = try XCTUnwrap(JSONParser.parse(value.jcsBytes()).objectValue).members.map { $0.value.stringValue ?? "" }
        XCTAssertEqual(order, ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis",
                               "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"])
    }

    /// Keys where UTF-8 byte order, scalar order and UTF-16 order disagree, or where canonically
    /// equivalent spellings must stay distinct and unnormalized.
    func testKeyOrderVectors() {
        let cases: [(JSONValue, String)] = [
            // U+10000 (D800 DC00) sorts before U+E000 and U+FFFF in UTF-16, after them in UTF-8.
            (["\u{FFFF}": 1, "\u{10000}": 2, "\u{E000}": 3],
             "{\"\u{10000}\":2,\"\u{E000}\":3,\"\u{FFFF}\":1}"),
            // Accented Latin: code units, not locale: "Z" < "a" < "é" (E9) < "ö" (F6) < "œ" (153).
            (["œuvre": 1, "école": 2, "Zebra": 3, "apple": 4, "öl": 5],
             #"{"Zebra":3,"apple":4,"école":2,"öl":5,"œuvre":1}"#),
            // A prefix sorts first; the empty name before all.
            (["ab": 1, "a": 2, "": 3, "b": 4],
             #"{"":3,"a":2,"ab":1,"b":4}"#),
            // Precomposed é (00E9) after decomposed e + U+0301 (0065 0301); both kept as written.
            (["\u{E9}": 1, "e\u{301}x": 2],
             "{\"e\u{301}x\":2,\"\u{E9}\":1}"),
            // Nested objects are sorted too; arrays keep their order.
            (["b": [["y": 1, "x": 2], 3], "a": ["d": nil, "c": true]],
             #"{"a":{"c":true,"d":null},"b":[{"x":2,"y":1},3]}"#),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(jcs(value), expected)
        }
    }

    /// RFC 8785 §3.2.2.2: only `"`, `\` and U+0000–U+001F are escaped, with the two-character
    /// forms where JSON has them and lower-case `\u00xx` otherwise.
    func testStringEscaping() {
        let cases: [(String, String)] = [
            ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
            ("\u{8}\t\n\u{C}\r", #""\b\t\n\f\r""#),
            ("\u{B}\u{1A}", #""\u000b\u001a""#),
            ("\"\\/", #""\"\\/""#),
            ("\u{7F}\u{80}\u{2028}\u{2029}", "\"\u{7F}\u{80}\u{2028}\u{2029}\""),
            ("€😀\u{10FFFF}", "\"€😀\u{10FFFF}\""),
            ("</script>", #""</script>""#),
        ]
        for (string, expected) in cases {
            XCTAssertEqual(jcs(.string(string)), expected, string.debugDescription)
        }
    }

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and their ECMAScript strings (the rows with
    /// a JSON form; NaN and Infinity have none), plus the sample lines of the README of
    /// github.com/cyberphone/json-canonicalization testdata.
    func testNumbersAsECMAScriptWritesThem() {
        let cases: [(UInt64, String)] = [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
            (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xc340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"),
            (0x44b5_2d02_c7e1_4af6, "1e+23"),
            (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
            (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
            (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"),
            (0x444b_1ae4_d6e2_ef50, "1e+21"),
            (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"),
            (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
            (0x41b3_de43_5555_5553, "333333333.3333332"),
            (0x41b3_de43_5555_5554, "333333333.33333325"),
            (0x41b3_de43_5555_5555, "333333333.3333333"),
            (0x41b3_de43_5555_5556, "333333333.3333334"),
            (0x41b3_de43_5555_5557, "333333333.33333343"),
            (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
            (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
            // README sample lines.
            (0x4340_0000_0000_0001, "9007199254740994"),
            (0x4340_0000_0000_0002, "9007199254740996"),
        ]
        for (bits, expected) in cases {
            XCTAssertEqual(jcs(.number(Double(bitPattern: bits))), expected, String(bits, radix: 16))
        }
    }

    /// The boundaries of ECMAScript's layouts: plain integers up to 21 digits, decimal
    /// fractions down to 1e-6, exponents outside; integers as plain decimals.
    func testNumberLayoutBoundaries() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-3, "-3"), (86400, "86400"),
            (100, "100"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
            (1.2345678901234568e20, "123456789012345680000"), (1.5e21, "1.5e+21"),
            (1e-6, "0.000001"), (1.5e-6, "0.0000015"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"),
            (0.1, "0.1"), (0.5, "0.5"), (-0.25, "-0.25"), (0.1 + 0.2, "0.30000000000000004"),
            (1e15, "1000000000000000"), (1e16, "10000000000000000"), (12.5, "12.5"),
            (4.5, "4.5"), (2e-3, "0.002"), (1e30, "1e+30"), (-1e-30, "-1e-30"),
            (Double.leastNormalMagnitude, "2.2250738585072014e-308"),
        ]
        for (number, expected) in cases {
            XCTAssertEqual(jcs(.number(number)), expected, "\(number)")
        }
    }

    /// The canonical event of docs/audit.md section 1: JCS output parses back to an equal value
    /// and is its own JCS form (the bundle verifier's check 4).
    func testCanonicalEventIsAFixedPoint() throws {
        let event: JSONValue = [
            "type": "submitted", "sequence": 0, "request_id": "7c1e1e57-1f4e-4a57-9b43-2c2a0a1d6a10",
            "payload": ["priority": "urgent", "note": "Ärger\n\"quoted\"", "hours": .number(48.5)],
            "id": "0b8a3c2e-5d1f-4f6e-8a9b-1c2d3e4f5a6b", "at": "2026-03-01T12:00:00.250Z",
            "actor": "duty.officer@pocd.vn",
        ]
        let bytes = event.jcsBytes()
        XCTAssertEqual(
            String(decoding: bytes, as: UTF8.self),
            #"{"actor":"duty.officer@pocd.vn","at":"2026-03-01T12:00:00.250Z","id":"0b8a3c2e-5d1f-4f6e-8a9b-1c2d3e4f5a6b","payload":{"hours":48.5,"note":"Ärger\n\"quoted\"","priority":"urgent"},"request_id":"7c1e1e57-1f4e-4a57-9b43-2c2a0a1d6a10","sequence":0,"type":"submitted"}"#)
        let reparsed = try JSONParser.parse(bytes)
        XCTAssertEqual(reparsed.jcsBytes(), bytes)
    }

    /// Where the chain's canonical form is already JCS (the store then skips one serialisation),
    /// the bytes are equal; where it says it is not, it is for one of the reasons it names.
    func testTheCanonicalFormIsJCSWhereItSaysSo() throws {
        let same: [String] = [
            #"{"b":[1,2,{"z":"é","a":null}],"a":true,"n":-0,"big":8999999999999999,"s":"tab\tquote\"\u0001"}"#,
            #"{"payload":{"provider_reference":"EM-1","partial":false,"expires_at":"2027-01-22T13:12:47.622Z"}}"#,
        ]
        for text in same {
            let v = try JSONParser.parse(Array(text.utf8))
            XCTAssertTrue(v.canonicalIsJCS, text)
            XCTAssertEqual(v.canonicalBytes(), v.jcsBytes(), text)
        }
        for text in [#"{"x":1.5}"#, #"{"x":1e21}"#, "{\"\u{1F600}\":1,\"\u{FB01}\":2}"] {
            let v = try JSONParser.parse(Array(text.utf8))
            XCTAssertFalse(v.canonicalIsJCS, text)
        }
    }
}
