import Foundation

/// The session through which one of several daemons sharing a PostgreSQL database holds
/// their leadership: a session-level advisory lock (`EventStore.leadershipLock`), which the
/// server releases the moment the session ends — a daemon killed, its host gone (noticed by
/// the server's TCP keepalives, set here from the lease), or the session terminated.
///
/// Not thread-safe: its owner calls it from one queue (the daemon's leadership queue).
public final class LeadershipSession {
    private let connection: PostgreSQLConnection
    /// The session in which the lock was taken; a reconnection is a new session, without it.
    private var heldIn: Int?

    /// Connects. The server drops the session after 0.6 × `lease` of silence from this
    /// daemon (keepalives), and libpq gives up a round trip after 0.3 × `lease`, so a daemon
    /// that cannot confirm its lock within 0.4 × `lease` knows it may have lost it, before
    /// the server frees it for another.
    public init(_ settings: PostgreSQLSettings, instance: String) throws(StoreError) {
        let lease = max(2, Int(settings.lease.components.seconds))
        let idle = max(1, lease / 5), interval = max(1, lease / 10)
        let count = max(1, (lease * 6 / 10 - idle) / interval)
        connection = try PostgreSQLConnection(
            settings, readOnly: true, applicationName: "pocd leadership \(instance)", userTimeout: lease * 300,
            sessionSetup: "SET tcp_keepalives_idle = \(idle); SET tcp_keepalives_interval = \(interval); "
                + "SET tcp_keepalives_count = \(count); SET tcp_user_timeout = \(lease * 600); SET statement_timeout = \(lease * 300)")
    }

    deinit { close() }

    /// The server process of this session (what the store checks a leader's writes against).
    public private(set) var backendPID: Int32?

    /// Whether the lock is held in the current session, as last confirmed.
    public var holds: Bool { heldIn != nil && heldIn == connection.session }

    /// Takes the lock if nobody holds it; true if this session holds it now.
    public func tryAcquire() throws(StoreError) -> Bool {
        if holds { return try confirm() }
        let s = try connection.prepare("SELECT pg_try_advisory_lock(?), pg_backend_pid()")
        defer { s.reset() }
        s.bind(1, EventStore.leadershipLock)
        guard try s.step() else { return false }
        if s.int64(0) == 1 {
            heldIn = connection.session
            backendPID = Int32(truncatingIfNeeded: s.int64(1))
        }
        return holds
    }

    /// A round trip that asks the server whether this session still holds the lock. False
    /// (and the lock forgotten) if the session was lost or the lock is not there.
    public func confirm() throws(StoreError) -> Bool {
        guard heldIn != nil else { return false }
        let s = try connection.prepare("""
            SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
               AND ((classid::bigint << 32) | objid::bigint) = ? AND objsubid = 1
            """)
        defer { s.reset() }
        s.bind(1, EventStore.leadershipLock)
        let found: Bool
        do { found = try s.step() } catch {
            heldIn = nil
            throw error
        }
        if !found || heldIn != connection.session { heldIn = nil }
        return holds
    }

    /// Gives the lock up (a clean shutdown: the other daemon takes over at once).
    public func release() {
        guard holds else { return }
        if let s = try? connection.prepare("SELECT pg_advisory_unlock(?)") {
            s.bind(1, EventStore.leadershipLock)
            _ = try? s.step()
            s.reset()
        }
        heldIn = nil
    }

    /// Ends the session, which frees the lock on the server.
    public func close() {
        heldIn = nil
        connection.close()
    }
}
