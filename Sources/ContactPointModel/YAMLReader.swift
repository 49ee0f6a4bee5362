import Yams

/// Reads one YAML mapping of a configuration file, recording a `ConfigurationError` (file,
/// dotted key, reason) for each missing, mistyped or unknown key. Shared by the policy
/// here and by the daemon's config and directory loaders.
///
/// Reference semantics: child readers share the root's problem list.
public final class YAMLReader {
    /// The file name errors carry.
    public let file: String
    /// The dotted key of this mapping (`priorities.urgent`); empty at the root.
    public let path: String
    let mapping: Node.Mapping
    private let sink: Sink

    final class Sink { var errors: [ConfigurationError] = [] }

    init(file: String, path: String, mapping: Node.Mapping, sink: Sink) {
        self.file = file
        self.path = path
        self.mapping = mapping
        self.sink = sink
    }

    /// Parses `text` and returns a reader on its top-level mapping.
    public static func root(_ text: String, file: String) throws(ConfigurationErrors) -> YAMLReader {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? "not valid YAML"
            throw ConfigurationErrors([ConfigurationError(file: file, key: "", reason: "not valid YAML: \(reason)")])
        }
        guard let mapping = node?.mapping else {
            throw ConfigurationErrors([ConfigurationError(file: file, key: "", reason: "must be a YAML mapping of keys to values")])
        }
        return YAMLReader(file: file, path: "", mapping: mapping, sink: Sink())
    }

    /// The dotted key for a member of this mapping.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Records a problem with `key` (a member of this mapping, or a sub-path such as `list[2]`).
    public func problem(_ key: String, _ reason: String) {
        sink.errors.append(ConfigurationError(file: file, key: keyPath(key), reason: reason))
    }

    /// The keys of this mapping, in order.
    public var keys: [String] { mapping.keys.compactMap { $0.scalar?.string } }

    /// The node under `key`, if any.
    public func node(_ key: String) -> Node? { mapping[key] }

    func missing(_ key: String, _ required: Bool) -> Bool {
        let absent: Bool
        if let n = node(key) {
            // `key:` with nothing, `~` and `null` are YAML's null: the same as leaving the key out.
            if let scalar = n.scalar, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                absent = true
            } else {
                absent = false
            }
        } else {
            absent = true
        }
        if absent && required { problem(key, "required") }
        return absent
    }

    /// A scalar string.
    public func string(_ key: String, required: Bool) -> String? {
        if missing(key, required) { return nil }
        guard let s = node(key)?.scalar?.string else { problem(key, "must be a text value"); return nil }
        return s
    }

    /// A whole number.
    public func integer(_ key: String, required: Bool) -> Int? {
        guard let s = string(key, required: required) else { return nil }
        guard let i = Int(s) else { problem(key, "must be a whole number, not \"\(s)\""); return nil }
        return i
    }

    /// `true` or `false`.
    public func bool(_ key: String, required: Bool) -> Bool? {
        guard let s = string(key, required: required) else { return nil }
        switch s {
        case "true": return true
        case "false": return false
        default: problem(key, "must be true or false, not \"\(s)\""); return nil
        }
    }

    /// A duration such as `30s`, `45m`, `8h`, `3d`.
    public func duration(_ key: String, required: Bool) -> PolicyDuration? {
        guard let s = string(key, required: required) else { return nil }
        guard let d = PolicyDuration(parsing: s) else {
            problem(key, "\"\(s)\" is not a duration (write 30s, 45m, 8h or 3d)")
            return nil
        }
        return d
    }

    /// A nested mapping.
    public func mapping(_ key: String, required: Bool) -> YAMLReader? {
        if missing(key, required) { return nil }
        guard let m = node(key)?.mapping else { problem(key, "must be a mapping of keys to values"); return nil }
        return YAMLReader(file: file, path: keyPath(key), mapping: m, sink: sink)
    }

    /// A sequence of nodes.
    public func sequence(_ key: String, required: Bool) -> [Node]? {
        if missing(key, required) { return nil }
        guard let s = node(key)?.sequence else { problem(key, "must be a list"); return nil }
        return Array(s)
    }

    /// A reader on `node`, which must be a mapping, reported under `key`.
    public func child(_ node: Node, key: String) -> YAMLReader? {
        guard let m = node.mapping else { problem(key, "must be a mapping of keys to values"); return nil }
        return YAMLReader(file: file, path: keyPath(key), mapping: m, sink: sink)
    }

    /// Records every key not in `allowing` as unknown.
    public func refuseUnknown(allowing: [String]) {
        for key in keys where !allowing.contains(key) {
            problem(key, "unknown key (expected one of: \(allowing.joined(separator: ", ")))")
        }
    }

    /// All problems recorded by this reader and its children.
    public var problems: [ConfigurationError] { sink.errors }

    /// Throws the recorded problems, if there are any.
    public func throwIfProblems() throws(ConfigurationErrors) {
        if !sink.errors.isEmpty { throw ConfigurationErrors(sink.errors) }
    }
}
