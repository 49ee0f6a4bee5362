import Foundation

/// What went wrong with a key or a sealed value, in words an operator can act on.
public struct SealingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A master key: 32 random bytes in a file of its own (`0600`), named by an id in
/// `pocd.yaml` (`encryption: {keys: [{id, file}]}`). It never seals content itself; it wraps
/// the data keys that do (docs/privacy.md §2).
///
/// The file holds the key as one line of base64 (44 characters), so it can be copied,
/// printed for a safe, or checked by eye.
public struct MasterKey: Sendable {
    public let id: String
    public let file: String
    let bytes: [UInt8]

    init(id: String, file: String, bytes: [UInt8]) {
        self.id = id
        self.file = file
        self.bytes = bytes
    }

    /// Reads the key `id` from `file`, refusing a file that group or others can read, or one
    /// that holds anything but one base64 line of 32 bytes.
    public static func read(id: String, file: String) throws(SealingError) -> MasterKey {
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw SealingError("encryption key '\(id)': cannot read \(file) (\(String(cString: strerror(errno))))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SealingError("encryption key '\(id)': \(file) is readable by \(mode & 0o070 != 0 ? "its group" : "others") "
                + "(mode \(String(mode, radix: 8))); a master key must be readable by its owner only: chmod 600 \(file)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SealingError("encryption key '\(id)': cannot read \(file)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let decoded = Data(base64Encoded: text), decoded.count == AESGCM.keySize else {
            throw SealingError("encryption key '\(id)': \(file) does not hold a master key (one line of base64 "
                + "encoding 32 bytes, as `pocd keys generate` writes)")
        }
        return MasterKey(id: id, file: file, bytes: Array(decoded))
    }

    /// Makes a new random key in `file` (`0600`, fsynced); refuses to replace an existing file.
    public static func generate(file: String) throws(SealingError) {
        let text = Data(AESGCM.randomBytes(AESGCM.keySize)).base64EncodedString() + "\n"
        let directory = (file as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw SealingError("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SealingError("cannot create \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(file)
            throw SealingError("cannot write \(file): \(why)")
        }
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// A value that proves, without revealing it, which key this is: an empty plaintext sealed
    /// with the key's id as associated data. The store keeps one per key it has used, so a
    /// different file under the same id is refused at start.
    public var check: [UInt8] { AESGCM.seal([], key: bytes, aad: Self.checkAAD(id)) }

    /// Whether `check` was made by this key.
    public func matches(check: [UInt8]) -> Bool { AESGCM.open(check, key: bytes, aad: Self.checkAAD(id)) != nil }

    static func checkAAD(_ id: String) -> [UInt8] { Array("contactpoint master key check\u{0}\(id)".utf8) }
}
