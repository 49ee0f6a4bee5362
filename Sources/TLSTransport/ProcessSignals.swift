import Glibc

/// Process-wide signal settings the transport needs.
///
/// OpenSSL writes to sockets with `write(2)`; a peer that has gone away turns the next
/// write into `SIGPIPE`, which would kill the daemon. Ignoring it makes the write fail
/// with `EPIPE` instead, which the connection handles as a closed peer.
enum ProcessSignals {
    private static let ignored: Bool = {
        _ = signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Ignores `SIGPIPE` for the whole process, once (called when a context is made).
    static func ignoreBrokenPipe() {
        _ = ignored
    }
}
