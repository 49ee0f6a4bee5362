import Glibc

/// The rule for a `Host` header field value (RFC 9112 §3.2, RFC 3986 §3.2.2):
/// `uri-host [ ":" port ]`, where `uri-host` is a bracketed IP literal (`[::1]`,
/// `[v1.x]`) or a reg-name (letters, digits, `-._~`, sub-delims, percent escapes), which
/// also covers IPv4 addresses and the empty host; `port` is digits. A server must answer
/// 400 to any other value, so a request never reaches a handler with a `Host` that a
/// proxy, a log parser or a URL builder could read differently.
enum HostField {
    /// Why `value` is not a valid `Host` field value, or nil when it is.
    static func invalidReason(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        var hostEnd = bytes.endIndex
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else {
                return "an IP literal must end with ]"
            }
            guard isIPLiteral(bytes[1..<close]) else {
                return "\(quoted(bytes[0...close])) is not an IPv6 address or IPvFuture literal"
            }
            hostEnd = close + 1
            guard hostEnd == bytes.endIndex || bytes[hostEnd] == UInt8(ascii: ":") else {
                return "only :port may follow an IP literal"
            }
        } else {
            hostEnd = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            if let reason = regNameProblem(bytes[..<hostEnd]) { return reason }
        }
        if hostEnd < bytes.endIndex {
            let port = bytes[(hostEnd + 1)...]
            guard port.allSatisfy(isDigit) else { return "the port \(quoted(port)) is not a number" }
        }
        return nil
    }

    /// A reg-name: `*( unreserved / pct-encoded / sub-delims )`.
    private static func regNameProblem(_ name: ArraySlice<UInt8>) -> String? {
        var index = name.startIndex
        while index < name.endIndex {
            let byte = name[index]
            if byte == UInt8(ascii: "%") {
                guard name.endIndex - index >= 3, isHexDigit(name[index + 1]), isHexDigit(name[index + 2]) else {
                    return "a % in the host must start a %XX escape"
                }
                index += 3
                continue
            }
            guard isUnreserved(byte) || isSubDelim(byte) else {
                return "\(describe(byte)) is not allowed in a host name"
            }
            index += 1
        }
        return nil
    }

    /// `IPv6address / IPvFuture`, the inside of `[...]`.
    private static func isIPLiteral(_ inside: ArraySlice<UInt8>) -> Bool {
        if let first = inside.first, first == UInt8(ascii: "v") || first == UInt8(ascii: "V") {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            guard let dot = inside.firstIndex(of: UInt8(ascii: ".")) else { return false }
            let version = inside[(inside.startIndex + 1)..<dot]
            let rest = inside[(dot + 1)...]
            return !version.isEmpty && version.allSatisfy(isHexDigit) && !rest.isEmpty
                && rest.allSatisfy { isUnreserved($0) || isSubDelim($0) || $0 == UInt8(ascii: ":") }
        }
        // inet_pton accepts exactly RFC 4291's text forms (hex groups, one ::, an IPv4 tail),
        // which are RFC 3986's IPv6address; no zone identifier.
        guard !inside.isEmpty, inside.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
        else { return false }
        var address = in6_addr()
        return inet_pton(AF_INET6, String(decoding: inside, as: UTF8.self), &address) == 1
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func isSubDelim(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: " "): return "a space"
        case 9: return "a tab"
        case 0x21...0x7E: return "\"\(Character(Unicode.Scalar(byte)))\""
        default: return "the byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }

    private static func quoted(_ bytes: ArraySlice<UInt8>) -> String {
        "\"\(String(decoding: bytes.prefix(64), as: UTF8.self))\(bytes.count > 64 ? "…" : "")\""
    }
}
