import COpenSSL
import Glibc

/// Reading OpenSSL's per-thread error queue.
///
/// OpenSSL reports why a call failed by pushing entries on a queue that belongs to the
/// calling thread. Dispatch runs a connection's work on whichever pool thread is free,
/// so the queue may hold leftovers from another connection: callers `clear()` before
/// every SSL call whose errors they will read, and `drain()` right after it fails.
enum OpenSSLErrors {
    /// Forgets anything left on this thread's error queue. An empty queue (the usual case) is
    /// only looked at: `SSL_get_error` asks exactly `ERR_peek_error() != 0`, and the look costs a
    /// quarter of `ERR_clear_error`, which was two per cent of a keep-alive request.
    static func clear() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Empties this thread's error queue, returning each entry's reason text
    /// (`certificate verify failed`, `sslv3 alert certificate expired`, ...), oldest first.
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            reasons.append(reason(for: code))
        }
        return reasons
    }

    /// The reasons on this thread's queue joined into one phrase, or `fallback`.
    static func drainedReason(fallback: String) -> String {
        let reasons = drain()
        guard !reasons.isEmpty else { return fallback }
        var unique: [String] = []
        for reason in reasons where !unique.contains(reason) { unique.append(reason) }
        return unique.joined(separator: "; ")
    }

    /// The reason text of one error code, without OpenSSL's `error:0A000086:SSL routines:` prefix.
    static func reason(for code: UInt) -> String {
        if let text = ERR_reason_error_string(code) {
            return String(cString: text)
        }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The text of a C `errno` value (`No such file or directory`).
func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
