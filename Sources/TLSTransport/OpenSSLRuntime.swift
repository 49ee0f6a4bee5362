import COpenSSL

/// Process-wide OpenSSL set-up, done once before the first use of the library.
///
/// OpenSSL frees its global state from an `atexit` handler. A process that exits while a
/// Dispatch thread is still closing a TLS connection (a CLI that returns right after
/// `close()`, a daemon's final flush) would race that clean-up; the process is ending, so
/// the memory is returned anyway. `OPENSSL_INIT_NO_ATEXIT` turns the handler off; it only
/// takes effect on the library's first initialisation, hence a call from every entry point.
enum OpenSSLRuntime {
    private static let prepared: Bool = {
        _ = OPENSSL_init_ssl(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
        return true
    }()

    static func prepare() { _ = prepared }
}
