import Foundation

/// The server's limits and timeouts: what one client may cost, and how long each phase
/// may take. The defaults suit the API (small JSON bodies, a few hundred clients); the
/// daemon passes its configured values to `HTTPServer.init`.
///
/// Each phase of a connection has its own clock: the TLS handshake, the whole request
/// header block from its first byte (slowloris), the body, the wait for the next request
/// on a kept-alive connection, and the time a blocked write may take to drain.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus header fields, in bytes; beyond it the answer is 431.
    public var maxHeaderBytes: Int
    /// Request body, in bytes, judged from `Content-Length` before reading; beyond it 413.
    public var maxBodyBytes: Int
    /// Connections open at once; one more is accepted and closed at once, before TLS.
    public var maxConnections: Int
    /// Seconds from accept to a completed TLS handshake.
    public var handshakeTimeout: TimeInterval
    /// Seconds for the whole header block once its first byte arrived (also the wait for
    /// the first request after the handshake); then 408.
    public var headerTimeout: TimeInterval
    /// Seconds for the body once the header block is complete; then 408.
    public var bodyTimeout: TimeInterval
    /// Seconds a kept-alive connection may wait for its next request; then it is closed.
    public var idleTimeout: TimeInterval
    /// Seconds a blocked write may take to drain (a client reading too slowly); then the
    /// connection is dropped.
    public var writeTimeout: TimeInterval
    /// Bytes a streamed response may have waiting for a slow client; beyond it the
    /// connection is dropped.
    public var maxBufferedStreamBytes: Int

    /// Creates limits; every argument has the documented default.
    public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 1 << 20, maxConnections: Int = 512,
                handshakeTimeout: TimeInterval = 10, headerTimeout: TimeInterval = 10,
                bodyTimeout: TimeInterval = 30, idleTimeout: TimeInterval = 60,
                writeTimeout: TimeInterval = 30, maxBufferedStreamBytes: Int = 4 << 20) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxBufferedStreamBytes = maxBufferedStreamBytes
    }
}
