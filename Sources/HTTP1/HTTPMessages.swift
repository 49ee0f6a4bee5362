import TLSTransport

/// A complete request as the server hands it to the handler: head, body (already read
/// in full, at most `HTTPLimits.maxBodyBytes`), and who sent it.
public struct HTTPRequest: Sendable {
    /// The method, as sent (`GET`, `POST`; case-sensitive per RFC 9110).
    public var method: String
    /// The percent-decoded path, without the query (`/v1/requests/2f1c…`).
    public var path: String
    /// The query parameters, percent- and `+`-decoded; a repeated name keeps the last value.
    public var query: [String: String]
    /// The header fields, in order.
    public var headers: HTTPHeaders
    /// The body (empty without `Content-Length`).
    public var body: [UInt8]
    /// The verified identity of the client certificate.
    public var peer: PeerIdentity
    /// The client's `host:port`.
    public var remoteAddress: String

    /// Creates a request; the server makes these, tests and routers may too.
    public init(method: String, path: String, query: [String: String] = [:], headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = [], peer: PeerIdentity, remoteAddress: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
        self.remoteAddress = remoteAddress
    }
}

/// A response for `HTTPResponder.respond(_:)`.
///
/// The server frames it: it sets `Content-Length` from `body` (a handler's own
/// `Content-Length` or `Transfer-Encoding` is replaced), adds `Connection: close` when
/// the connection will close, and sends no body for `HEAD`, 1xx, 204 and 304. A
/// `Connection: close` set by the handler closes the connection after the response.
public struct HTTPResponse: Sendable {
    /// The status code (100–599).
    public var status: Int
    /// The header fields to send.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Answers one request; called on the connection's queue, it must not block (hand work to
/// another queue and respond from there).
public typealias HTTPHandler = @Sendable (HTTPRequest, HTTPResponder) -> Void
