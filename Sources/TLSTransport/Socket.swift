import Foundation
import Glibc

/// Small wrappers over the socket calls the transport makes, each returning or throwing
/// the `errno` text. All descriptors made here are non-blocking and close-on-exec.
package enum Socket {
    /// An `errno` captured at the failing call, with its text.
    package struct Failure: Error, Equatable, CustomStringConvertible {
        /// The `errno` value, or 0 when `message` comes from elsewhere (the resolver).
        package var code: Int32
        /// A message replacing the `errno` text.
        package var message: String?
        /// A failure for `errno` value `code`, or with `message` in place of its text.
        package init(code: Int32, message: String? = nil) {
            self.code = code
            self.message = message
        }
        /// The message, or the `errno` text.
        package var description: String { message ?? systemErrorText(code) }
        /// The failure of the call that just failed (reads `errno`).
        package static func current() -> Failure { Failure(code: errno) }
    }

    /// Makes `fd` non-blocking and close-on-exec (Glibc's Swift module has no `accept4` /
    /// `SOCK_NONBLOCK`, so this follows every `accept` and `socket`).
    package static func configure(_ fd: Int32) throws(Failure) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw .current() }
        let fdFlags = fcntl(fd, F_GETFD)
        guard fdFlags >= 0, fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) == 0 else { throw .current() }
    }

    /// Sets an integer socket option, ignoring failure (used for best-effort tuning).
    package static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Disables Nagle's algorithm: responses are written whole, and small TLS records
    /// (SSE events, the last bytes of a response) must not wait for an ACK.
    package static func setNoDelay(_ fd: Int32) {
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
    }

    /// The pending error of a socket (`SO_ERROR`), used after a non-blocking `connect`.
    package static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    /// The local port a socket is bound to.
    package static func localPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return SocketAddress(storage: storage)?.port
    }

    /// The remote address of a connected socket as `host:port`, or `unknown`.
    package static func peerAddress(_ fd: Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard result == 0, let address = SocketAddress(storage: storage) else { return "unknown" }
        return address.description
    }

    /// Closes a descriptor, retrying nothing (on Linux the descriptor is gone even on EINTR).
    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
