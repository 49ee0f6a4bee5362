/// The request-target of a request line, split into the decoded path and query.
///
/// Accepted forms (RFC 9112 §3.2): origin-form `/path?query`, absolute-form
/// `https://host/path?query` (scheme and authority dropped), and `*` for `OPTIONS`.
/// The path is percent-decoded and must be UTF-8 without NUL; query pairs are split on
/// `&` and `=`, `+` means space, and a repeated name keeps its last value.
struct RequestTarget: Equatable, Sendable {
    /// The decoded path (`/v1/requests/42`), or `*`.
    var path: String
    /// The decoded query parameters.
    var query: [String: String]

    /// Parses the raw target bytes of a request line, or explains what is wrong.
    static func parse(_ raw: [UInt8], method: String) -> Result<RequestTarget, HTTPProblem> {
        if raw == [UInt8(ascii: "*")] {
            guard method == "OPTIONS" else { return .failure(bad("the target * is only allowed with OPTIONS")) }
            return .success(RequestTarget(path: "*", query: [:]))
        }
        var target = raw[...]
        if raw.first != UInt8(ascii: "/") {
            let text = String(decoding: raw, as: UTF8.self).lowercased()
            guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
                return .failure(bad("the request target must start with / (origin-form) or be an absolute URI"))
            }
            let afterScheme = raw.index(raw.startIndex, offsetBy: text.hasPrefix("https://") ? 8 : 7)
            let pathStart = raw[afterScheme...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            guard let pathStart else { return .success(RequestTarget(path: "/", query: [:])) }
            target = raw[pathStart...]
        }
        let questionMark = target.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = target[target.startIndex..<(questionMark ?? target.endIndex)]
        guard let decodedPath = percentDecoded(rawPath, plusIsSpace: false) else {
            return .failure(bad("the path is not validly percent-encoded UTF-8"))
        }
        var query: [String: String] = [:]
        if let questionMark {
            for pair in target[target.index(after: questionMark)...].split(separator: UInt8(ascii: "&")) {
                let equals = pair.firstIndex(of: UInt8(ascii: "="))
                let rawName = pair[pair.startIndex..<(equals ?? pair.endIndex)]
                let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? []
                guard let name = percentDecoded(rawName, plusIsSpace: true),
                      let value = percentDecoded(rawValue, plusIsSpace: true) else {
                    return .failure(bad("the query is not validly percent-encoded UTF-8"))
                }
                query[name] = value
            }
        }
        return .success(RequestTarget(path: decodedPath.isEmpty ? "/" : decodedPath, query: query))
    }

    private static func bad(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 400, detail: detail)
    }

    /// Percent-decodes `bytes`; nil for a bad escape, invalid UTF-8 or NUL.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>, plusIsSpace: Bool) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard bytes.distance(from: index, to: bytes.endIndex) >= 3,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        guard !out.contains(0), let text = String(validating: out, as: UTF8.self) else { return nil }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
