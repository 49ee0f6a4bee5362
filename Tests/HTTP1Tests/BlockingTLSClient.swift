import COpenSSL
import Foundation
import Glibc

/// A deliberately simple blocking TLS client written directly against OpenSSL, used to
/// play hostile or unusual clients (slow writers, pipeliners, non-readers) against the
/// server without going through the project's own client.
final class BlockingTLSClient {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let fd: Int32
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private var pending: [UInt8] = []
    private(set) var closed = false
    /// Whether the last read ended with the server's `close_notify` (an orderly TLS close)
    /// rather than an error, a reset or a bare EOF.
    private(set) var closedByCloseNotify = false

    /// Connects over TCP and completes the TLS handshake (blocking, `timeout` seconds per I/O).
    init(port: Int, certificate: String?, key: String?, ca: String, timeout: Int = 30,
         version: Int32 = TLS1_3_VERSION) throws {
        signal(SIGPIPE, SIG_IGN)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fd = socketFD
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        context = SSL_CTX_new(TLS_client_method())
        _ = cpo_SSL_CTX_set_min_proto_version(context, version)
        _ = cpo_SSL_CTX_set_max_proto_version(context, version)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        SSL_CTX_load_verify_locations(context, ca, nil)
        if let certificate, let key {
            SSL_CTX_use_certificate_chain_file(context, certificate)
            SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM)
        }
        ssl = SSL_new(context)
        SSL_set_fd(ssl, fd)
        guard connected == 0 else {
            throw Failure(description: "connect: \(String(cString: strerror(errno)))")
        }
        ERR_clear_error()
        guard SSL_connect(ssl) == 1 else {
            throw Failure(description: "handshake failed")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
        Glibc.close(fd)
    }

    /// Writes all of `bytes`; false if the connection broke.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let count = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if count <= 0 { return false }
            offset += Int(count)
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Sends TLS `close_notify`: we will write nothing more, but keep reading (RFC 8446 §6.1).
    /// True if the alert was sent.
    @discardableResult
    func sendCloseNotify() -> Bool {
        ERR_clear_error()
        return SSL_shutdown(ssl) >= 0
    }

    /// Half-closes the TCP connection (FIN, `shutdown(SHUT_WR)`) without a TLS `close_notify`.
    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Writes `bytes` in pieces of `chunk` bytes, `pause` seconds apart, and stops early
    /// as soon as the server has sent something (or the connection broke). Returns the
    /// number of bytes written. All on the calling thread: an SSL object is never used
    /// by two threads at once.
    func writeUntilAnswered(_ bytes: [UInt8], chunk: Int, pause: TimeInterval = 0) -> Int {
        var offset = 0
        while offset < bytes.count {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if SSL_pending(ssl) > 0 || poll(&descriptor, 1, 0) > 0 { break }
            let end = min(offset + chunk, bytes.count)
            guard write(Array(bytes[offset..<end])) else { break }
            offset = end
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
        return offset
    }

    /// Reads what is available (blocking for at least one byte); nil at EOF, error or timeout.
    func readSome() -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        guard !closed else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        ERR_clear_error()
        let count = SSL_read(ssl, &buffer, Int32(buffer.count))
        if count <= 0 {
            closed = true
            closedByCloseNotify = SSL_get_error(ssl, count) == SSL_ERROR_ZERO_RETURN
            return nil
        }
        return Array(buffer[0..<Int(count)])
    }

    /// Reads until the server closes (or a timeout); returns every byte received.
    func readUntilClosed() -> [UInt8] {
        var all: [UInt8] = []
        while let piece = readSome() { all += piece }
        return all
    }

    /// Reads one response framed by Content-Length (or up to the close); nil if the
    /// connection ended before a complete head.
    func readResponse() -> Response? {
        var data: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard let piece = readSome() else { return nil }
            data += piece
            headEnd = Self.find([13, 10, 13, 10], in: data)
        }
        let head = String(decoding: data[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(data[(headEnd! + 4)...])
        if status == 100 || status == 204 {
            pending = body
            return Response(status: status, headers: headers, body: [])
        }
        if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }) {
            while body.count < length, let piece = readSome() { body += piece }
            pending = Array(body.dropFirst(length))
            body = Array(body.prefix(length))
        } else {
            while let piece = readSome() { body += piece }
        }
        return Response(status: status, headers: headers, body: body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

/// A plain TCP client for peers that never speak TLS.
final class RawTCPClient {
    let fd: Int32

    init(port: Int, timeout: Int = 30) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fd = socketFD
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw BlockingTLSClient.Failure(description: "connect failed") }
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until EOF or reset; `closed` is false if the receive timeout passed first.
    func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { all += buffer[0..<count]; continue }
            if count == 0 { return (all, true) }
            if errno == EINTR { continue }
            return (all, errno == ECONNRESET)
        }
    }
}
