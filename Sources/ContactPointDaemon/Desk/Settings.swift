import ContactPointModel
import Synchronization

/// The directory and the deadline policy in force: the one owner of both, read by the Desk,
/// the router (who is calling) and the outbox worker (where partners are), and replaced
/// whole — both files at once — by a reload. The Desk replaces it on its own queue
/// (`Desk.reload`), so a command on the Desk sees one version from start to end.
public final class Settings: Sendable {
    /// One version of the reloadable configuration.
    public struct Version: Sendable {
        public var directory: Directory
        public var policy: DeadlinePolicy

        public init(directory: Directory, policy: DeadlinePolicy) {
            self.directory = directory
            self.policy = policy
        }
    }

    private let value: Mutex<Version>

    public init(directory: Directory, policy: DeadlinePolicy) {
        value = Mutex(Version(directory: directory, policy: policy))
    }

    /// The version in force.
    public var current: Version { value.withLock { $0 } }

    public var directory: Directory { current.directory }
    public var policy: DeadlinePolicy { current.policy }

    /// Puts `next` in force. Called by `Desk.reload`, on the Desk's queue.
    func replace(_ next: Version) {
        value.withLock { $0 = next }
    }
}
