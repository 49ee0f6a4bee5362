/// An error the server answers by itself (bad framing, limits, timeouts), rendered as
/// `application/problem+json` (RFC 9457) and always followed by closing the connection:
/// after a framing error the server cannot know where the next request would start.
struct HTTPProblem: Error, Sendable, Equatable {
    /// The status code (400, 408, 411, 413, 414, 431, 500, 501, 505).
    var status: Int
    /// What exactly was wrong, for the client's developer.
    var detail: String

    /// The status's reason phrase, used as the problem title.
    var title: String { HTTPStatus.reasonPhrase(status) }

    /// The response: `{"type":"about:blank","title":…,"status":…,"detail":…}`.
    var response: HTTPResponse {
        let json = "{\"type\":\"about:blank\",\"title\":\(Self.quoted(title)),\"status\":\(status),"
            + "\"detail\":\(Self.quoted(detail))}"
        return HTTPResponse(status: status,
                            headers: HTTPHeaders([("Content-Type", "application/problem+json"), ("Connection", "close")]),
                            body: Array(json.utf8))
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Status codes and their reason phrases (RFC 9110).
enum HTTPStatus {
    /// The reason phrase of `status`, or a generic one for its class.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default:
            switch status / 100 {
            case 1: return "Informational"
            case 2: return "Success"
            case 3: return "Redirection"
            case 4: return "Client Error"
            default: return "Server Error"
            }
        }
    }

    /// Whether a response with `status` carries no body and no `Content-Length`.
    static func forbidsBody(_ status: Int) -> Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }
}
