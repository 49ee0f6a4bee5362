/// One thing wrong with an input: which field (a path such as `data[0].relation_to_offence`,
/// or a config key) and why. A 422 answer lists every one of them at once.
public struct FieldProblem: Sendable, Hashable, CustomStringConvertible {
    /// The field path, dotted with `[i]` for list elements; empty for the whole document.
    public var field: String
    /// Why it is refused, for the reader's language ("required", "must be true: ...").
    public var message: Message

    public init(field: String, message: Message) {
        self.field = field
        self.message = message
    }

    /// A reason with no catalogue entry: shown as it is in every language.
    public init(field: String, reason: String) {
        self.init(field: field, message: .verbatim(reason))
    }

    /// The reason in English.
    public var reason: String { message.render(.en) }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    /// "field: reason" in `language` (field paths are the contract's and stay as they are).
    public func rendered(_ language: Language) -> String {
        field.isEmpty ? message.render(language) : "\(field): \(message.render(language))"
    }

    /// This problem as `{"field", "reason"}` for a problem+json `errors` list.
    public func json(_ language: Language) -> JSONValue { ["field": .string(field), "reason": .string(message.render(language))] }
    public var json: JSONValue { json(.en) }
}

/// The problems found in one document, in the order they were found.
public struct FieldProblems: Error, Sendable, Hashable, CustomStringConvertible {
    public var all: [FieldProblem]

    public init(_ all: [FieldProblem] = []) { self.all = all }

    public var isEmpty: Bool { all.isEmpty }

    public mutating func add(_ field: String, _ reason: String) {
        all.append(FieldProblem(field: field, reason: reason))
    }

    public mutating func add(_ field: String, _ message: Message) {
        all.append(FieldProblem(field: field, message: message))
    }

    public var description: String { all.map(\.description).joined(separator: "; ") }

    /// The list in `language`, "; " between problems.
    public func rendered(_ language: Language) -> String { all.map { $0.rendered(language) }.joined(separator: "; ") }
}
