import ContactPointStore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Which daemon of a pair on one PostgreSQL leads (docs/operations.md, "Running a pair").
///
/// Every `lease / 10` the daemon either tries to take the leadership lock (a standby) or
/// confirms it still holds it (the leader), over a session of its own. The leader runs the
/// deadline timer, the outbox and the checkpoints; it steps down at once when the lock is
/// not confirmed, when its session fails, and — checked by a watchdog on another queue, even
/// while a round trip hangs — when no confirmation came for 0.4 × lease. The server frees a
/// silent session's lock only after 0.6 × lease, so the old leader has stopped before a new
/// one can start; and the store refuses a firing whose session no longer holds the lock.
///
/// On SQLite there is one daemon per data directory: it leads, and this is not used.
final class Leadership: @unchecked Sendable {  // `session` belongs to `queue`; the role and counters live in `state`
    struct State {
        var isLeader = false
        var confirmedAt: DispatchTime = .now()
        var acquisitions = 0
        var losses = 0
    }

    let instance: String
    let lease: Duration
    private let settings: PostgreSQLSettings
    private let log: Logger
    private let queue = DispatchQueue(label: "contactpoint.leadership")
    private let watchdogQueue = DispatchQueue(label: "contactpoint.leadership.watchdog")
    private var session: LeadershipSession?
    private var timer: DispatchSourceTimer?
    private var watchdog: DispatchSourceTimer?
    private var stopped = false
    private let state = Mutex(State())
    /// Called on the leadership queue when this daemon becomes the leader (with its session's
    /// backend PID) and when it stops being it.
    private let onLead: @Sendable (Int32) -> Void
    private let onStandBy: @Sendable (String) -> Void

    init(settings: PostgreSQLSettings, instance: String, log: Logger,
         onLead: @escaping @Sendable (Int32) -> Void, onStandBy: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.instance = instance
        self.lease = settings.lease
        self.log = log
        self.onLead = onLead
        self.onStandBy = onStandBy
    }

    var isLeader: Bool { state.withLock { $0.isLeader } }
    var snapshot: State { state.withLock { $0 } }

    private var tick: DispatchTimeInterval { .milliseconds(Int(max(100, lease.milliseconds / 10))) }
    /// How long a leader goes on without a confirmation.
    private var confirmationLimit: Int64 { lease.milliseconds * 4 / 10 }

    func start() {
        queue.async { [self] in
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.round() }
            t.schedule(wallDeadline: .now(), repeating: tick, leeway: .milliseconds(20))  // wall-clock: see Desk.startFollowing
            t.resume()
            timer = t
        }
        watchdogQueue.async { [self] in
            let w = DispatchSource.makeTimerSource(queue: watchdogQueue)
            w.setEventHandler { [weak self] in self?.checkConfirmation() }
            w.schedule(wallDeadline: .now() + tick, repeating: .milliseconds(Int(max(50, lease.milliseconds / 20))), leeway: .milliseconds(10))
            w.resume()
            watchdog = w
        }
    }

    /// Gives the lock up and ends the session (a clean shutdown: the standby takes over at once).
    func stop() {
        watchdogQueue.sync {
            watchdog?.cancel()
            watchdog = nil
        }
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
            if isLeader { stepDown("shutting down") }
            session?.release()
            session?.close()
            session = nil
        }
    }

    /// One round: confirm the lock (leader) or try to take it (standby).
    private func round() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !stopped else { return }
        do {
            if session == nil { session = try LeadershipSession(settings, instance: instance) }
            let s = session!
            if isLeader {
                if try s.confirm() {
                    state.withLock { $0.confirmedAt = .now() }
                } else {
                    stepDown("the leadership lock is no longer held by this daemon's session")
                }
            } else if try s.tryAcquire(), let pid = s.backendPID {
                state.withLock {
                    $0.isLeader = true
                    $0.confirmedAt = .now()
                    $0.acquisitions += 1
                }
                log.notice("this daemon leads its contact point: it fires deadlines, sends the outbox and signs checkpoints",
                           metadata: ["instance": "\(instance)", "session": "\(pid)"])
                onLead(pid)
            }
        } catch {
            if isLeader { stepDown("its session to PostgreSQL failed: \(error)") } else {
                log.debug("leadership: cannot reach PostgreSQL", metadata: ["error": "\(error)"])
            }
            session?.close()
            session = nil
        }
    }

    /// The watchdog: a leader whose last confirmation is older than the limit stops, even if
    /// the leadership queue is stuck in a round trip to a server that went silent.
    private func checkConfirmation() {
        let age = state.withLock { s -> Int64? in
            s.isLeader ? Int64((DispatchTime.now().uptimeNanoseconds &- s.confirmedAt.uptimeNanoseconds) / 1_000_000) : nil
        }
        guard let age, age > confirmationLimit else { return }
        stepDown("no confirmation of the leadership lock for \(age) ms (the limit is \(confirmationLimit) ms)")
        // Drop the session as soon as the leadership queue is free, so the server frees the lock.
        queue.async { [self] in
            session?.close()
            session = nil
        }
    }

    private func stepDown(_ reason: String) {
        let was = state.withLock { s -> Bool in
            defer {
                if s.isLeader { s.losses += 1 }
                s.isLeader = false
            }
            return s.isLeader
        }
        guard was else { return }
        log.critical("this daemon stopped leading: it no longer fires deadlines, sends the outbox or signs checkpoints",
                     metadata: ["instance": "\(instance)", "reason": "\(reason)"])
        onStandBy(reason)
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
