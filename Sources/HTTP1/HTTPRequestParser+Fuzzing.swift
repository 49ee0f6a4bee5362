extension HTTPRequestParser {
    /// Runs `bytes` through a parser the way a connection would: the first byte chooses the
    /// size of the pieces they arrive in; every request they contain is parsed. Traps if an
    /// invariant breaks (a body or header block beyond its limit, an error that is not 4xx/5xx).
    /// The libFuzzer harness (Fuzz/) and the regression tests call it.
    static func exercise(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let piece = Int(first % 32) + 1
        var parser = HTTPRequestParser(maxHeaderBytes: 2048, maxBodyBytes: 4096)
        var offset = 1
        feeding: while true {
            let end = min(bytes.count, offset + piece)
            parser.append(Array(bytes[offset..<end]))
            offset = end
            while true {
                switch parser.next() {
                case .needMoreData:
                    if offset >= bytes.count { return }
                    continue feeding
                case .head(let head):
                    precondition(head.method.utf8.count < 2048, "a method longer than the header limit")
                case .message(_, let body):
                    precondition(body.count <= 4096, "a body over the limit")
                    parser.prepareForNextRequest()
                case .error(let problem):
                    precondition((400...599).contains(problem.status), "error status \(problem.status)")
                    return
                }
            }
        }
    }
}
