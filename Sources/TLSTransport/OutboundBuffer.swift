/// Bytes accepted for sending but not yet taken by `SSL_write`.
///
/// One contiguous array with a read index: appends copy once, writes take from the front,
/// and the consumed prefix is dropped when it is all gone or outweighs the rest. The
/// front bytes never change while they wait, which is what OpenSSL requires when it
/// retries a write that returned `SSL_ERROR_WANT_WRITE` (the context allows the buffer
/// to move, not its contents to change).
struct OutboundBuffer {
    private var storage: [UInt8] = []
    private var start = 0

    /// Bytes waiting.
    var count: Int { storage.count - start }
    /// Whether nothing waits.
    var isEmpty: Bool { start == storage.count }

    /// Queues `bytes` after everything already waiting.
    mutating func append(_ bytes: [UInt8]) {
        if isEmpty && storage.isEmpty {
            storage = bytes
            start = 0
        } else {
            storage.append(contentsOf: bytes)
        }
    }

    /// Calls `body` with up to `limit` bytes from the front.
    func withFront<R>(limit: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { all in
            let end = start + min(limit, count)
            return body(UnsafeRawBufferPointer(rebasing: all[start..<end]))
        }
    }

    /// Drops `written` bytes from the front.
    mutating func consume(_ written: Int) {
        precondition(written >= 0 && written <= count, "consumed more than buffered")
        start += written
        if start == storage.count {
            storage = []
            start = 0
        } else if start >= 65536 && start * 2 >= storage.count {
            storage.removeFirst(start)
            start = 0
        }
    }

    /// Forgets everything waiting.
    mutating func removeAll() {
        storage = []
        start = 0
    }
}
