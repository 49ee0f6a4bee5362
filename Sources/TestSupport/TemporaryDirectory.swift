import Foundation
import Synchronization

/// A fresh directory under /tmp, removed with everything in it on `remove()` or when the
/// object goes away, whichever comes first.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL
    private let removed = Mutex(false)

    /// Creates `/tmp/PREFIX.XXXXXX` (mode 700).
    public init(prefix: String = "contactpoint") throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey:
                "cannot create a temporary directory: \(String(cString: strerror(errno)))"])
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        url = URL(fileURLWithPath: path, isDirectory: true)
    }

    deinit {
        remove()
    }

    /// The directory's path.
    public var path: String { url.path }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Removes the directory and its contents; later calls do nothing.
    public func remove() {
        let first = removed.withLock { done in
            defer { done = true }
            return !done
        }
        if first { try? FileManager.default.removeItem(at: url) }
    }
}
