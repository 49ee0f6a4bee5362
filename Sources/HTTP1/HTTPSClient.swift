import Dispatch
import Foundation
import Synchronization
import TLSTransport

/// An HTTPS/1.1 client with a client certificate, on the same TLS transport as the
/// server: used by `poc`, by partner-daemon delivery and by tests.
///
/// Requests run asynchronously on the client's serial queue; `sendSync` wraps them for
/// command-line use. Sequential requests reuse a kept-alive connection (up to four idle
/// ones are pooled, each closed after 15 s unused); a pooled connection the server has
/// closed is noticed before use and replaced, and an idempotent request that meets a
/// connection closing under it is retried once on a fresh one. Responses framed by
/// `Content-Length`, chunked encoding or the close are decoded.
///
/// The server is verified against `tls.trustedCAFile` and, when
/// `expectedServerIdentity` is given, its certificate's CN or a subjectAltName must equal
/// it (a partner daemon's directory identity); otherwise the URL's host name or IP must
/// match a subjectAltName.
public final class HTTPSClient: Sendable {
    /// The client's serial queue, which runs every connection and callback. It keeps the
    /// default (overcommit) target: callers may block pool threads in `sendSync`, and the
    /// client must still make progress then.
    private let queue = DispatchQueue(label: "contactpoint.https.client")
    private let target: HTTPClientConnection.Target
    private let pool: HTTPClientPool
    private let timeout: TimeInterval
    private let hostHeader: String

    /// Prepares a client for `baseURL` (`https://host:port`, IPv6 as `https://[::1]:8443`).
    /// Throws `TLSError` when the certificate, key or CA cannot be loaded, and
    /// `HTTPClientError.protocolError` for a URL that is not `https://host[:port]`.
    /// `timeout` bounds connecting, the handshake, and each response.
    public init(baseURL: String, tls: TLSConfiguration, expectedServerIdentity: String? = nil,
                timeout: TimeInterval = 30) throws {
        guard let (host, port) = Self.parse(baseURL) else {
            throw HTTPClientError.protocolError("not an https://host:port URL: \(baseURL)")
        }
        let context = try TLSContext.client(tls)
        self.timeout = timeout
        let bracketed = host.contains(":") ? "[\(host)]" : host
        self.hostHeader = port == 443 ? bracketed : "\(bracketed):\(port)"
        self.target = .init(host: host, port: port, context: context, expectedIdentity: expectedServerIdentity,
                            connectTimeout: timeout, description: "https://\(SocketAddress.display(host: host, port: port))")
        self.pool = HTTPClientPool(queue: queue)
    }

    deinit {
        let pool = self.pool
        queue.async { pool.closeAll() }
    }

    /// Sends a request and calls `completion` (on the client's queue) with the whole
    /// response or the reason there is none. `path` is the request target (`/v1/queue?x=1`),
    /// already percent-encoded. Any thread.
    public func send(method: String, path: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                     completion: @escaping @Sendable (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        let request: [UInt8]
        switch encode(method: method, path: path, headers: headers, body: body) {
        case .failure(let error):
            queue.async { completion(.failure(error)) }
            return
        case .success(let bytes):
            request = bytes
        }
        let idempotent = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"].contains(method)
        queue.async { [self] in
            attempt(request, isHEAD: method == "HEAD", retry: idempotent, completion: completion)
        }
    }

    /// `send`, blocking the caller until the response is complete. Never call it on the
    /// client's own queue (from a completion or stream callback): that would deadlock.
    public func sendSync(method: String, path: String, headers: HTTPHeaders = HTTPHeaders(),
                         body: [UInt8] = []) -> Result<HTTPClientResponse, HTTPClientError> {
        dispatchPrecondition(condition: .notOnQueue(queue))
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<HTTPClientResponse, HTTPClientError>>(.failure(.closed))
        send(method: method, path: path, headers: headers, body: body) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 }
    }

    /// Opens a dedicated connection for a long response (Server-Sent Events): `onResponse`
    /// gets status and headers, `onData` each piece of the body as it arrives, and `onEnd`
    /// runs once — nil when the body ended or the handle was cancelled, else the error.
    /// The timeout applies only until the head arrives. Callbacks run on the client's queue.
    public func stream(method: String = "GET", path: String, headers: HTTPHeaders,
                       onResponse: @escaping @Sendable (Int, HTTPHeaders) -> Void,
                       onData: @escaping @Sendable ([UInt8]) -> Void,
                       onEnd: @escaping @Sendable (HTTPClientError?) -> Void) -> HTTPClientStreamHandle {
        let handle = HTTPClientStreamHandle(queue: queue)
        let request: [UInt8]
        switch encode(method: method, path: path, headers: headers, body: []) {
        case .failure(let error):
            queue.async { onEnd(error) }
            handle.finished()
            return handle
        case .success(let bytes):
            request = bytes
        }
        queue.async { [self] in
            guard !pool.isClosed else {
                handle.finished()
                onEnd(.closed)
                return
            }
            let connection = HTTPClientConnection(target: target, queue: queue)
            connection.connect()
            handle.attach(connection, onEnd: onEnd)
            connection.execute(.init(request: request, isHEAD: method == "HEAD", timeout: timeout, streaming: true,
                                     onHead: onResponse, onBody: onData, onEnd: { error, _ in
                                         if handle.finished() { onEnd(error) }
                                         connection.close()
                                     }))
        }
        return handle
    }

    /// Closes idle connections and refuses new requests (they fail with `.closed`);
    /// requests in flight finish. Streams end through their handles.
    public func close() {
        queue.async { [pool] in pool.closeAll() }
    }

    // MARK: - Internals

    private func attempt(_ request: [UInt8], isHEAD: Bool, retry: Bool,
                         completion: @escaping @Sendable (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !pool.isClosed else {
            completion(.failure(.closed))
            return
        }
        let connection = pool.takeIdle() ?? {
            let fresh = HTTPClientConnection(target: target, queue: queue)
            fresh.connect()
            return fresh
        }()
        var status = 0
        var headers = HTTPHeaders()
        var body: [UInt8] = []
        connection.execute(.init(
            request: request, isHEAD: isHEAD, timeout: timeout, streaming: false,
            onHead: { status = $0; headers = $1 },
            onBody: { body += $0 },
            onEnd: { [self] error, retryable in
                if let error {
                    if retryable && retry {
                        attempt(request, isHEAD: isHEAD, retry: false, completion: completion)
                    } else {
                        completion(.failure(error))
                    }
                    return
                }
                pool.giveBack(connection)
                completion(.success(HTTPClientResponse(status: status, headers: headers, body: body)))
            }))
    }

    private func encode(method: String, path: String, headers: HTTPHeaders,
                        body: [UInt8]) -> Result<[UInt8], HTTPClientError> {
        guard !method.isEmpty, method.utf8.allSatisfy(HTTPSyntax.isTokenByte) else {
            return .failure(.protocolError("invalid method \(method)"))
        }
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.protocolError("invalid request path \(path): it must start with / and be percent-encoded"))
        }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        for field in headers {
            let name = field.name.lowercased()
            guard !["host", "content-length", "transfer-encoding"].contains(name) else { continue }
            guard field.name.utf8.allSatisfy(HTTPSyntax.isTokenByte),
                  !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                return .failure(.protocolError("invalid header field \(field.name)"))
            }
            text += "\(field.name): \(field.value)\r\n"
        }
        if !headers.contains("User-Agent") { text += "User-Agent: ContactPoint\r\n" }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) {
            text += "Content-Length: \(body.count)\r\n"
        }
        text += "\r\n"
        return .success(Array(text.utf8) + body)
    }

    /// Splits `https://host[:port][/]` into host and port.
    static func parse(_ url: String) -> (String, Int)? {
        guard url.lowercased().hasPrefix("https://") else { return nil }
        var rest = Substring(url.dropFirst(8))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else { return nil }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.isEmpty { return (host, 443) }
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (String(parts[0]), 443)
        case 2:
            guard !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return (String(parts[0]), port)
        default: return nil
        }
    }
}
