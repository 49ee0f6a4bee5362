/// The lexical rules shared by signed notes, checkpoints and add-checkpoint bodies (C2SP
/// `signed-note`, `tlog-checkpoint`, `tlog-witness`).
enum NoteText {
    static let newline = UInt8(ascii: "\n")
    /// "— ": U+2014 EM DASH and a space, the start of every signature line.
    static let signaturePrefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

    /// Whether `name` can name a key: non-empty, no Unicode white space, no `+`, no control
    /// character (signed-note, "Format").
    static func isValidKeyName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { s in
            s != "+" && !s.properties.isWhitespace && s.value >= 0x20
        }
    }

    /// Throws unless `text` has no ASCII control character other than newline (signed-note:
    /// "MUST NOT contain any ASCII control characters (those below U+0020) other than newline").
    static func checkNoControlCharacters(_ text: some StringProtocol, _ what: String) throws(AuditLogError) {
        for b in text.utf8 where b < 0x20 && b != newline {
            throw AuditLogError.malformed("\(what): control character 0x\(Hex.encode([b])) in the text")
        }
    }

    /// A non-negative decimal as the specs write sizes and timestamps: ASCII digits, no sign,
    /// no leading zero (except `0` itself), at most `Int64.max`.
    static func decimal(_ text: some StringProtocol, _ what: String) throws(AuditLogError) -> Int64 {
        let digits = Array(text.utf8)
        guard !digits.isEmpty else { throw AuditLogError.malformed("\(what) is empty") }
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw AuditLogError.malformed("\(what) \"\(text)\" is not a decimal number")
        }
        guard digits.count == 1 || digits[0] != UInt8(ascii: "0") else {
            throw AuditLogError.malformed("\(what) \"\(text)\" has a leading zero")
        }
        var value: Int64 = 0
        for d in digits {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(d - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw AuditLogError.malformed("\(what) \"\(text)\" is too large") }
            value = sum
        }
        return value
    }

    /// The lines of `text`, each without its newline; throws unless `text` ends in a newline.
    ///
    /// Splits on the newline byte, not on Characters: Swift reads "\r\n" as one Character, so
    /// a Character split would take a carriage return for part of the line ending.
    static func lines(_ text: Substring, _ what: String) throws(AuditLogError) -> [Substring] {
        let bytes = text.utf8
        guard bytes.last == newline else { throw AuditLogError.malformed("\(what): the last line does not end in a newline") }
        var lines: [Substring] = []
        var start = bytes.startIndex
        for i in bytes.indices where bytes[i] == newline {
            lines.append(Substring(bytes[start..<i]))
            start = bytes.index(after: i)
        }
        return lines
    }

    /// `bytes` as a String, or a malformed error if they are not UTF-8.
    static func utf8(_ bytes: some Collection<UInt8>, _ what: String) throws(AuditLogError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AuditLogError.malformed("\(what): not valid UTF-8")
        }
        return text
    }
}
