import COpenSSL
import Glibc

/// Why a TLS connection failed, in words an operator can act on.
///
/// `kind` sorts failures the way callers react to them (a client maps
/// `.peerCertificateRejected` to "the server's certificate is not trusted" and
/// `.alertReceived` to "our certificate was refused"); `detail` is OpenSSL's reason in
/// plain words (`certificate has expired`, `unknown ca`, `wrong version number`).
package struct TLSFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad cause.
    package enum Kind: Sendable, Equatable {
        /// We verified the peer's certificate and refused it (or it sent none).
        case peerCertificateRejected
        /// The peer sent a fatal alert: it refused our certificate, version or handshake.
        case alertReceived
        /// The bytes were not an acceptable TLS conversation (not TLS, no common version).
        case protocolViolation
        /// The peer closed or reset the connection.
        case connectionClosed
        /// A deadline passed (handshake, write).
        case timedOut
        /// A socket error other than the peer going away.
        case system
    }

    /// The broad cause.
    package var kind: Kind
    /// The specific reason, in OpenSSL's or the system's words.
    package var detail: String

    /// Creates a failure of `kind` for `detail`.
    package init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// One line: the cause and the detail.
    package var description: String {
        switch kind {
        case .peerCertificateRejected: return "peer certificate rejected: \(detail)"
        case .alertReceived: return "peer sent alert: \(detail)"
        case .protocolViolation: return "TLS protocol error: \(detail)"
        case .connectionClosed: return detail
        case .timedOut: return detail
        case .system: return "socket error: \(detail)"
        }
    }

    /// Classifies the failure of an SSL call on `ssl` that returned `result`: reads
    /// `SSL_get_error`, the verify result and this thread's error queue (which it empties).
    /// Call right after the failing call, on the same thread.
    static func classify(ssl: OpaquePointer, result: Int32, savedErrno: Int32) -> TLSConnectionStateMachine.Outcome {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        case SSL_ERROR_SYSCALL:
            let reasons = OpenSSLErrors.drain()
            if !reasons.isEmpty { return .failure(fromReasons(reasons, ssl: ssl)) }
            if savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE {
                return .failure(TLSFailure(.connectionClosed, savedErrno == 0
                    ? "connection closed by peer" : "connection reset by peer"))
            }
            return .failure(TLSFailure(.system, systemErrorText(savedErrno)))
        case SSL_ERROR_SSL:
            return .failure(fromReasons(OpenSSLErrors.drain(), ssl: ssl))
        default:
            OpenSSLErrors.clear()
            return .failure(TLSFailure(.protocolViolation, "unexpected OpenSSL error \(code)"))
        }
    }

    private static let alertPrefixes = ["sslv3 alert ", "tlsv1 alert ", "tlsv13 alert "]

    /// Sorts the reasons of an `SSL_ERROR_SSL` into a kind.
    static func fromReasons(_ reasons: [String], ssl: OpaquePointer) -> TLSFailure {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
            return TLSFailure(.peerCertificateRejected, String(cString: text))
        }
        if reasons.contains(where: { $0.contains("peer did not return a certificate") }) {
            return TLSFailure(.peerCertificateRejected, "no certificate presented")
        }
        for reason in reasons {
            if let prefix = alertPrefixes.first(where: { reason.hasPrefix($0) }) {
                return TLSFailure(.alertReceived, String(reason.dropFirst(prefix.count)))
            }
        }
        if reasons.contains(where: { $0.contains("unexpected eof") }) {
            return TLSFailure(.connectionClosed, "connection closed by peer")
        }
        var unique: [String] = []
        for reason in reasons where !unique.contains(reason) { unique.append(reason) }
        return TLSFailure(.protocolViolation, unique.isEmpty ? "handshake failed" : unique.joined(separator: "; "))
    }
}
