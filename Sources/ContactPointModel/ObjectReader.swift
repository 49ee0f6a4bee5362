/// Reads the members of one JSON object, recording a `FieldProblem` for each member of the
/// wrong type and, when finished, for each member nobody asked for (unknown fields are
/// refused: a typo must not silently drop evidence details).
///
/// Reference semantics on purpose: nested readers share the parent's problem list.
final class ObjectReader {
    let object: JSONObject
    let path: String
    private let problems: ProblemSink
    /// Which members were read, by their index in `object`: the first 64 in a mask, any
    /// beyond in a set (hashing every key read into a set of names was ~2 % of an intake).
    private var readMask: UInt64 = 0
    private var readBeyond: Set<Int> = []

    private init(object: JSONObject, path: String, problems: ProblemSink) {
        self.object = object
        self.path = path
        self.problems = problems
    }

    /// A reader for a top-level document; records a problem if it is not an object.
    static func root(_ value: JSONValue, problems: ProblemSink) -> ObjectReader? {
        guard case .object(let o) = value else {
            problems.add("", Message("reason.body-object", ["kind": value.kindMessage]))
            return nil
        }
        return ObjectReader(object: o, path: "", problems: problems)
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func problem(_ key: String, _ reason: String) { problems.add(fieldPath(key), reason) }
    func problem(_ key: String, _ message: Message) { problems.add(fieldPath(key), message) }

    /// Records a problem at a full path (an array element's, `offence.convention_articles[1]`).
    func problem(at path: String, _ message: Message) { problems.add(path, message) }

    /// The member's value; `nil` when absent. A JSON `null` is returned as such, so the
    /// typed readers refuse it ("must be a string, not null"), as the OpenAPI document says:
    /// an optional member is left out, never sent as null.
    func raw(_ key: String) -> JSONValue? {
        guard let i = object.members.firstIndex(where: { JSONObject.same($0.key, key) }) else { return nil }
        if i < 64 { readMask |= 1 << UInt64(i) } else { readBeyond.insert(i) }
        return object.members[i].value
    }

    private func wasRead(_ i: Int) -> Bool {
        i < 64 ? readMask & (1 << UInt64(i)) != 0 : readBeyond.contains(i)
    }

    func has(_ key: String) -> Bool { raw(key) != nil }

    func string(_ key: String) -> String? {
        guard let v = raw(key) else { return nil }
        guard case .string(let s) = v else {
            problem(key, Message("reason.type.string", ["kind": v.kindMessage]))
            return nil
        }
        return s
    }

    func bool(_ key: String) -> Bool? {
        guard let v = raw(key) else { return nil }
        guard case .bool(let b) = v else {
            problem(key, Message("reason.type.bool", ["kind": v.kindMessage]))
            return nil
        }
        return b
    }

    func integer(_ key: String) -> Int? {
        guard let v = raw(key) else { return nil }
        guard let i = v.intValue else {
            problem(key, Message("reason.type.integer", ["kind": v.kindName == "a number" ? Message("json.kind.fraction") : v.kindMessage]))
            return nil
        }
        return i
    }

    func instant(_ key: String) -> Instant? {
        guard let s = string(key) else { return nil }
        guard let t = Instant(rfc3339: s) else {
            problem(key, Message("reason.time"))
            return nil
        }
        return t
    }

    func object(_ key: String) -> ObjectReader? {
        guard let v = raw(key) else { return nil }
        guard case .object(let o) = v else {
            problem(key, Message("reason.type.object", ["kind": v.kindMessage]))
            return nil
        }
        return ObjectReader(object: o, path: fieldPath(key), problems: problems)
    }

    /// The array's elements, each with its path (`data[2]`).
    func array(_ key: String) -> [(path: String, value: JSONValue)]? {
        guard let v = raw(key) else { return nil }
        guard case .array(let a) = v else {
            problem(key, Message("reason.type.array", ["kind": v.kindMessage]))
            return nil
        }
        return a.enumerated().map { ("\(fieldPath(key))[\($0.offset)]", $0.element) }
    }

    /// A reader for an element of an array; records a problem if it is not an object.
    func element(_ item: (path: String, value: JSONValue)) -> ObjectReader? {
        guard case .object(let o) = item.value else {
            problems.add(item.path, Message("reason.type.object", ["kind": item.value.kindMessage]))
            return nil
        }
        return ObjectReader(object: o, path: item.path, problems: problems)
    }

    /// Records every member that was never read as an unknown field.
    func refuseUnknown() {
        for (i, member) in object.members.enumerated() where !wasRead(i) {
            problem(member.key, Message("reason.unknown-field"))
        }
    }
}

/// Where readers and validators put what they find. Single-threaded use only.
final class ProblemSink {
    private(set) var problems = FieldProblems()
    func add(_ field: String, _ reason: String) { problems.add(field, reason) }
    func add(_ field: String, _ message: Message) { problems.add(field, message) }
    /// Whether `field` already has a problem (a wrong type, say): then "required" would be noise.
    func hasProblem(at field: String) -> Bool { problems.all.contains { $0.field == field } }
    var isEmpty: Bool { problems.isEmpty }
}
