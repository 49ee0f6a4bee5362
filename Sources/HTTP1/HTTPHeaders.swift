/// An ordered list of HTTP header fields, as received or to be sent.
///
/// Order and repeats are kept (`Set-Cookie`-style fields may appear several times);
/// names compare case-insensitively (ASCII). The subscript reads the first field of a
/// name and, when set, replaces every field of that name (nil removes them).
public struct HTTPHeaders: Sendable, Sequence, Equatable, CustomStringConvertible {
    /// One header field.
    public typealias Element = (name: String, value: String)

    private var fields: [Element]

    /// No fields.
    public init() {
        fields = []
    }

    /// The fields `pairs`, in order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// The number of fields (repeats counted).
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The value of the first field called `name` (any case); setting replaces every
    /// field of that name with one, at the position of the first, and nil removes them.
    public subscript(name: String) -> String? {
        get { fields.first { Self.sameName($0.name, name) }?.value }
        set {
            guard let newValue else {
                remove(name: name)
                return
            }
            if let index = fields.firstIndex(where: { Self.sameName($0.name, name) }) {
                fields[index].value = newValue
                var later = index + 1
                while later < fields.count {
                    if Self.sameName(fields[later].name, name) { fields.remove(at: later) } else { later += 1 }
                }
            } else {
                fields.append((name: name, value: newValue))
            }
        }
    }

    /// Every value of the fields called `name` (any case), in order.
    public func values(_ name: String) -> [String] {
        var found: [String] = []  // no allocation when there is none: the usual case on every request's head
        for field in fields where Self.sameName(field.name, name) { found.append(field.value) }
        return found
    }

    /// Whether a field called `name` (any case) is present.
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.sameName($0.name, name) }
    }

    /// Appends a field, keeping any existing field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field called `name` (any case).
    public mutating func remove(name: String) {
        fields.removeAll { Self.sameName($0.name, name) }
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        fields.makeIterator()
    }

    /// Same fields in the same order; names compared case-insensitively.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy {
            sameName($0.name, $1.name) && $0.value == $1.value
        }
    }

    /// `Name: value` lines, for logs and test failures.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// ASCII case-insensitive equality of two field names.
    static func sameName(_ a: String, _ b: String) -> Bool {
        // Lengths first (most names differ there), then byte by byte over the contiguous UTF-8:
        // every request's head is searched for five names.
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where x[i] != y[i] {
                    let folded = x[i] | 0x20
                    guard folded == y[i] | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
                }
                return true
            }
        }
    }

    /// The comma-separated elements of every field called `name`, trimmed and lowercased
    /// (`Connection`, `Transfer-Encoding`), empty elements dropped.
    func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map {
            $0.trimmingASCIIWhitespace().lowercased()
        }.filter { !$0.isEmpty }
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
