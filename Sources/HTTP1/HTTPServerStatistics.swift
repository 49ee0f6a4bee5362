/// Counters of an `HTTPServer`, read with `HTTPServer.statistics` (for `/metrics`).
public struct HTTPServerStatistics: Sendable, Equatable {
    /// Connections open now (handshaking, idle or busy).
    public var openConnections = 0
    /// Connections accepted and kept since start (not counting those refused over the limit).
    public var acceptedTotal = 0
    /// TLS handshakes that failed: bad or missing client certificate, not TLS, timeout.
    public var handshakeFailures = 0
    /// Connections closed at once because `maxConnections` were open (or shutting down).
    public var rejectedOverLimit = 0
    /// Requests handed to the handler.
    public var requestsTotal = 0
    /// Error responses the server generated itself (400, 408, 411, 413, 431, 500, 501, 505).
    public var protocolErrors = 0
    /// Header, body and idle timeouts that fired.
    public var timeouts = 0

    /// All counters at zero.
    public init() {}
}
