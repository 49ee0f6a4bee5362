/// A JSON document as a tree, with object keys kept in the order they were written.
///
/// ContactPoint reads every request body through this type rather than `Codable` so that
/// decoding can report *every* problem at once with its field path, refuse unknown
/// fields, and tell `true` from `1`. It also gives the encodings the product needs:
/// the API's compact encoding (keys in declaration order), the canonical encoding the
/// audit chain hashes (keys sorted by UTF-8 bytes, no insignificant whitespace), and JCS
/// (RFC 8785), the leaf data of the audit log's Merkle tree (`JSONValue+JCS.swift`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value's kind, as a validation message names it ("must be a string, not a number").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `kindName` for a person, in their language.
    public var kindMessage: Message {
        switch self {
        case .null: return Message("json.kind.null")
        case .bool: return Message("json.kind.boolean")
        case .number: return Message("json.kind.number")
        case .string: return Message("json.kind.string")
        case .array: return Message("json.kind.array")
        case .object: return Message("json.kind.object")
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number as an exact integer, if it is one.
    public var intValue: Int? {
        if case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        return nil
    }

    /// Member lookup on an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Element lookup on an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }
}

/// A JSON object whose members keep their written order. Keys are unique (the parser
/// refuses duplicates: a repeated key is ambiguous evidence).
public struct JSONObject: Sendable, Hashable, Sequence {
    public internal(set) var members: [(key: String, value: JSONValue)]  // the parser appends unique keys

    /// An empty object.
    public init() { members = [] }

    /// An object with these members, in this order. Later duplicates replace earlier ones.
    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        for (k, v) in pairs { self[k] = v }
    }

    /// The member named `key`; setting nil removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { Self.same($0.key, key) })?.value }
        set {
            if let index = members.firstIndex(where: { Self.same($0.key, key) }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Whether two member names are the same, lengths first: most names an object is searched
    /// for differ in length, and comparing the lengths skips the call into the string
    /// comparison (building an object checks each new name against every earlier one).
    @inline(__always)
    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a == b
    }

    /// The keys, in order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for (k, v) in members {
            hasher.combine(k)
            hasher.combine(v)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
