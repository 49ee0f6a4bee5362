import TLSTransport

/// A response received by `HTTPSClient`.
public struct HTTPClientResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The header fields, in order.
    public var headers: HTTPHeaders
    /// The whole body, de-chunked.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why `HTTPSClient` got no response, in words fit for an operator.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No TCP connection to `address` (`127.0.0.1:8443`): `Connection refused`, …
    case connect(address: String, reason: String)
    /// The TLS handshake failed or TLS broke: "the server's certificate is not trusted
    /// (unable to get local issuer certificate)", "our certificate was refused by the
    /// server (certificate expired alert)", "the server's certificate identifies
    /// pocd.de, not pocd.fr", …
    case tls(reason: String)
    /// Nothing (or not all) arrived within the client's timeout.
    case timeout(String)
    /// The server's answer was not valid HTTP/1.1, or the request could not be sent.
    case protocolError(String)
    /// The connection closed before a response arrived, or the client was closed.
    case closed

    /// One line.
    public var description: String {
        switch self {
        case .connect(let address, let reason): return "cannot connect to \(address): \(reason)"
        case .tls(let reason): return "TLS: \(reason)"
        case .timeout(let what): return what
        case .protocolError(let what): return "protocol error: \(what)"
        case .closed: return "the connection was closed before a response arrived"
        }
    }

    /// Translates a TLS failure; `handshakeDone` tells whether the handshake had finished
    /// (TLS 1.3 reports a refused client certificate on the first read after it).
    static func from(_ failure: TLSFailure, handshakeDone: Bool, timeoutText: String) -> HTTPClientError {
        switch failure.kind {
        case .peerCertificateRejected:
            return .tls(reason: "the server's certificate is not trusted (\(failure.detail))")
        case .alertReceived:
            if refusesCertificate(failure.detail) {
                return .tls(reason: "our certificate was refused by the server (\(failure.detail) alert)")
            }
            return .tls(reason: "the server ended the TLS session (\(failure.detail) alert)")
        case .protocolViolation:
            return .tls(reason: failure.detail)
        case .timedOut:
            return .timeout(timeoutText)
        case .connectionClosed:
            return handshakeDone ? .closed : .tls(reason: "the server closed the connection during the TLS handshake")
        case .system:
            return handshakeDone ? .closed : .tls(reason: failure.detail)
        }
    }

    private static func refusesCertificate(_ alert: String) -> Bool {
        alert.contains("certificate") || alert == "unknown ca" || alert == "access denied"
    }
}
