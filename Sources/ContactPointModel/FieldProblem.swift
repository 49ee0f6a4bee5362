/// One thing wrong with an input: which field (a path such as `data[0].relation_to_offence`,
/// or a config key) and why. A 422 answer lists every one of them at once.
public struct FieldProblem: Sendable, Hashable, CustomStringConvertible {
    /// The field path, dotted with `[i]` for list elements; empty for the whole document.
    public var field: String
    /// Why it is refused, in words an officer understands ("required", "must be true: ...").
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    /// This problem as `{"field", "reason"}` for a problem+json `errors` list.
    public var json: JSONValue { ["field": .string(field), "reason": .string(reason)] }
}

/// The problems found in one document, in the order they were found.
public struct FieldProblems: Error, Sendable, Hashable, CustomStringConvertible {
    public var all: [FieldProblem]

    public init(_ all: [FieldProblem] = []) { self.all = all }

    public var isEmpty: Bool { all.isEmpty }

    public mutating func add(_ field: String, _ reason: String) {
        all.append(FieldProblem(field: field, reason: reason))
    }

    public var description: String { all.map(\.description).joined(separator: "; ") }
}
