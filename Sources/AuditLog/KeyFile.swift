import Glibc

/// Reading and creating the small secret files that hold keys, with POSIX calls (this module
/// does not use Foundation).
enum KeyFile {
    /// The whole content of the file at `path`.
    static func read(_ path: String) throws(AuditLogError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditLogError.keyFailure("\(path): cannot open (\(errnoText()))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AuditLogError.keyFailure("\(path): cannot read (\(errnoText()))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            guard out.count <= 1 << 20 else { throw AuditLogError.keyFailure("\(path): larger than a key file can be") }
        }
        return out
    }

    /// Creates `path` with `contents`, mode 0600, durably; refuses if `path` exists.
    ///
    /// The bytes go to a temporary file beside it, which is fsynced and then hard-linked to
    /// `path` (`link` fails if `path` exists, so an existing key is never replaced, even by a
    /// concurrent writer), then the directory is fsynced.
    static func create(_ path: String, contents: [UInt8]) throws(AuditLogError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AuditLogError.keyFailure("\(temporary): cannot create (\(errnoText()))") }
        defer { unlink(temporary) }
        var written = 0
        while written < contents.count {
            let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = errnoText()
                close(fd)
                throw AuditLogError.keyFailure("\(temporary): cannot write (\(why))")
            }
            written += n
        }
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            let why = errnoText()
            close(fd)
            throw AuditLogError.keyFailure("\(temporary): cannot sync (\(why))")
        }
        close(fd)
        guard link(temporary, path) == 0 else {
            throw AuditLogError.keyFailure("\(path): cannot create (\(errnoText()))")
        }
        try syncDirectory(of: path)
    }

    private static func syncDirectory(of path: String) throws(AuditLogError) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditLogError.keyFailure("\(directory): cannot open (\(errnoText()))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw AuditLogError.keyFailure("\(directory): cannot sync (\(errnoText()))") }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
