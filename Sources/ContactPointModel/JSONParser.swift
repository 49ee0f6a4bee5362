/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Strict on purpose: the input is evidence. It refuses duplicate keys, invalid UTF-8,
/// lone surrogates, leading zeros, trailing garbage and nesting deeper than
/// `maximumDepth`. Errors name the byte offset and what was expected.
public struct JSONParser {
    /// Why a document is not JSON.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// Byte offset of the problem.
        public var offset: Int
        /// What was wrong, for any reader (`json.*` in the catalogue).
        public var message: Message
        /// What was wrong, in English.
        public var reason: String { message.description }
        /// "invalid JSON at byte 12: expected ':'", in any language.
        public var positioned: Message { Message("json.at-byte", ["offset": .verbatim(String(offset)), "reason": message]) }
        public var description: String { positioned.description }
    }

    /// Parses one JSON document (any value at top level, surrounded by optional whitespace).
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = 64) throws(Error) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count { throw parser.error(Message("json.trailing-data")) }
        return value
    }

    /// Parses a UTF-8 string.
    public static func parse(_ text: String) throws(Error) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private let bytes: [UInt8]
    private let maximumDepth: Int
    private var index = 0

    private init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private func error(_ message: Message) -> Error { Error(offset: index, message: message) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
        guard index < bytes.count else { throw error(Message("json.unexpected-end")) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error(Message("json.expected-value"))
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(Error) {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count else { throw error(Message("json.unexpected-end")) }
        for i in 0..<expected.count where bytes[index + i] != expected[i] {
            throw error(Message("json.expected-literal", ["literal": .verbatim(literal)]))
        }
        index += expected.count
    }

    private mutating func parseObject(depth: Int) throws(Error) -> JSONValue {
        guard depth <= maximumDepth else { throw error(Message("json.too-deep", ["depth": .verbatim(String(maximumDepth))])) }
        index += 1  // {
        var object = JSONObject()
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error(Message("json.expected-member-name")) }
            let keyOffset = index
            let key = try parseString()
            // Duplicates: a scan of the few members so far; a set once there are many.
            let duplicate: Bool
            if object.members.count < 16 {
                duplicate = object.members.contains { $0.key == key }
            } else {
                if seen.isEmpty { seen = Set(object.members.map(\.key)) }
                duplicate = !seen.insert(key).inserted
            }
            guard !duplicate else {
                throw Error(offset: keyOffset, message: Message("json.duplicate-member", ["name": .verbatim(key)]))
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error(Message("json.expected-colon")) }
            index += 1
            skipWhitespace()
            object.members.append((key, try parseValue(depth: depth)))  // a new key: no lookup
            skipWhitespace()
            guard index < bytes.count else { throw error(Message("json.unexpected-end")) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            throw error(Message("json.expected-comma-or-brace", ["brace": .verbatim("}")]))
        }
    }

    private mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
        guard depth <= maximumDepth else { throw error(Message("json.too-deep", ["depth": .verbatim(String(maximumDepth))])) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error(Message("json.unexpected-end")) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error(Message("json.expected-comma-or-bracket"))
        }
    }

    private mutating func parseNumber() throws(Error) -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error(Message("json.expected-digit")) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error(Message("json.leading-zero")) }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error(Message("json.expected-fraction-digit")) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error(Message("json.expected-exponent-digit")) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw Error(offset: start, message: Message("json.number-out-of-range"))
        }
        return value
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private mutating func parseString() throws(Error) -> String {
        index += 1  // opening quote
        // Fast path, the common case: no escapes, no control characters, valid UTF-8.
        let start = index
        let fast = bytes.withUnsafeBufferPointer { all -> (end: Int, string: String?) in
            let end = JSONStringScan.firstSpecial(all, from: start)
            guard end < all.count, all[end] == UInt8(ascii: "\"") else { return (end, nil) }
            let run = UnsafeBufferPointer(rebasing: all[start..<end])
            // ASCII is valid UTF-8 as it is: decoding it needs no check (and costs a copy).
            return (end, JSONStringScan.isASCII(run) ? String(decoding: run, as: UTF8.self) : String(validating: run, as: UTF8.self))
        }
        if let s = fast.string {
            index = fast.end + 1
            return s
        }
        // An escape, a control character, the end of the input or invalid UTF-8: the slow path
        // decodes it or names the byte.
        var scalars = String.UnicodeScalarView()
        while true {
            guard index < bytes.count else { throw error(Message("json.unterminated-string")) }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                index += 1
                scalars.append(try parseEscape())
            case 0x00..<0x20:
                throw error(Message("json.control-character"))
            case 0x00..<0x80:
                scalars.append(Unicode.Scalar(b))
                index += 1
            default:
                scalars.append(try parseUTF8Scalar())
            }
        }
    }

    private mutating func parseEscape() throws(Error) -> Unicode.Scalar {
        guard index < bytes.count else { throw error(Message("json.unterminated-escape")) }
        let c = bytes[index]
        index += 1
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800...0xDBFF).contains(high) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw error(Message("json.lone-surrogate")) }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error(Message("json.invalid-surrogate-pair")) }
                let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                return Unicode.Scalar(value)!
            }
            guard let scalar = Unicode.Scalar(high) else { throw error(Message("json.lone-surrogate")) }
            return scalar
        default:
            index -= 1
            throw error(Message("json.invalid-escape"))
        }
    }

    private mutating func parseHex4() throws(Error) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error(Message("json.truncated-escape")) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw error(Message("json.invalid-hex-digit"))
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Decodes one multi-byte UTF-8 sequence, refusing overlong forms and surrogates.
    private mutating func parseUTF8Scalar() throws(Error) -> Unicode.Scalar {
        let b0 = bytes[index]
        let length: Int
        var value: UInt32
        switch b0 {
        case 0xC2...0xDF: length = 2; value = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(b0 & 0x07)
        default: throw error(Message("json.invalid-utf8"))
        }
        guard index + length <= bytes.count else { throw error(Message("json.truncated-utf8")) }
        for i in 1..<length {
            let b = bytes[index + i]
            guard b & 0xC0 == 0x80 else { throw error(Message("json.invalid-utf8")) }
            value = value << 6 | UInt32(b & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value), value <= 0x10FFFF else {
            throw error(Message("json.invalid-utf8"))
        }
        index += length
        return scalar
    }
}
