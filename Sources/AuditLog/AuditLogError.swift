/// Why an audit-log operation refused its input or could not complete.
///
/// Every case carries one line naming what is wrong ("checkpoint: the tree size has a leading
/// zero"), so a caller can put it in a log line or a problem response as it is.
public enum AuditLogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A size, index or range that does not fit the tree (an index at or past the size, an old
    /// size larger than the new one).
    case outOfRange(String)
    /// Text or bytes that do not follow their format: a note, a checkpoint, a vkey, an
    /// add-checkpoint body, a key file, a hash.
    case malformed(String)
    /// A signature that does not verify, or a note with no signature from a known key.
    case verificationFailed(String)
    /// A key that cannot be generated, read, written or used.
    case keyFailure(String)

    /// The one-line description.
    public var description: String {
        switch self {
        case .outOfRange(let why): return "out of range: \(why)"
        case .malformed(let why): return "malformed \(why)"
        case .verificationFailed(let why): return "verification failed: \(why)"
        case .keyFailure(let why): return "log key: \(why)"
        }
    }
}
