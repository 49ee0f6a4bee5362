extension EvidenceRequest {
    /// Runs untrusted bytes through everything that reads a request body: the JSON parser,
    /// request decoding with treaty validation, and every action's body. Traps if an
    /// invariant breaks: a request that decodes must re-encode to JSON that decodes to the
    /// same request; every refusal names a problem; JSON re-serialises to the same value.
    /// The libFuzzer harness (Fuzz/) and the regression tests call it.
    static func exercise(_ bytes: [UInt8]) {
        switch decode(bytes, newID: { "00000000-0000-4000-8000-000000000000" }) {
        case .success(let request):
            let again = decode(request.json.serialized(), requireID: true, newID: { "x" })
            guard case .success(let same) = again else { preconditionFailure("a valid request re-encodes to an invalid one: \(again)") }
            precondition(same == request, "the round trip changed the request")
            precondition(same.canonicalBytes == request.canonicalBytes)
        case .failure(let problems):
            precondition(!problems.isEmpty, "a refusal without a reason")
        }
        if let value = try? JSONParser.parse(bytes) {
            precondition((try? JSONParser.parse(value.serialized())) == value, "the JSON round trip changed the value")
            for action in Action.allCases {
                if case .failure(let p) = ActionInput.decode(action, value) { precondition(!p.isEmpty) }
            }
        }
    }
}
