import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import Sealing

/// Two daemons on one PostgreSQL (docs/operations.md, "Running a pair"): each Desk follows
/// what the other writes, so either can serve and accept writes; only the leader's Desk
/// fires deadlines, and its firings commit only while its session holds the leadership lock.
extension Desk {
    /// Starts firing deadlines, as the leader (`session`: the PostgreSQL backend PID that
    /// holds the leadership lock, checked by the store at each firing; nil on SQLite). First
    /// catches up with the log, so what the other daemon wrote is known, then fires what fell
    /// due while nobody was leading, at the level now due.
    public func lead(session: Int32?, done: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            leaderSession = session
            leadTerm &+= 1
            let term = leadTerm
            follow { [self] in
                guard leadTerm == term else { return }  // stood down (or led anew) while catching up
                firing = true
                armedFor = nil
                fireDue()
                done?()
            }
        }
    }

    /// Stops firing at once: the timer is disarmed and nothing due is recorded from now on
    /// (a firing already in the store's hands fails there, the lock no longer being held).
    public func standBy() {
        queue.async { [self] in
            leadTerm &+= 1
            firing = false
            leaderSession = nil
            armedFor = nil
            timer?.schedule(wallDeadline: .distantFuture)
        }
    }

    /// Follows the log every `interval` for the events other daemons wrote (PostgreSQL).
    public func startFollowing(every interval: DispatchTimeInterval) {
        queue.async { [self] in
            guard followTimer == nil else { return }
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.follow {} }
            // A wall-clock timer, like the Desk's: monotonic ones never fire under libfaketime (wolfcw/libfaketime#378).
            t.schedule(wallDeadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
            t.resume()
            followTimer = t
        }
    }

    /// Reads the events after the last one followed and applies those this Desk does not
    /// know: another daemon's writes. An event is known when its request has already counted
    /// it (its sequence is below the request's event count), so the Desk's own commits and
    /// events seen twice are skipped. `done` runs on the Desk's queue once all are read.
    func follow(_ done: @escaping () -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        followWaiters.append(done)
        guard !following else { return }
        following = true
        store.events(after: followedPosition, limit: 2_000) { [self] result in
            queue.async { [self] in
                following = false
                switch result {
                case .success(let events):
                    if followFailing {
                        followFailing = false
                        log.notice("following the event log again")
                    }
                    for stored in events { absorb(stored) }
                    if let last = events.last { followedPosition = last.position }
                    if events.count == 2_000 {  // more to read: go on before telling anyone
                        let waiters = followWaiters
                        followWaiters = []
                        follow { waiters.forEach { $0() } }
                        return
                    }
                case .failure(let error):
                    if !followFailing {  // once per outage, not every 250 ms
                        followFailing = true
                        log.warning("cannot follow the event log; retrying every 250 ms", metadata: ["error": "\(error)"])
                    }
                }
                let waiters = followWaiters
                followWaiters = []
                waiters.forEach { $0() }
            }
        }
    }

    /// Applies one event of the log if this Desk does not know it yet (Desk queue).
    private func absorb(_ stored: StoredEvent) {
        let e = stored.event
        if e.requestID.isEmpty {  // an event of the log itself (docs/audit.md §7)
            guard e.sequence >= logEventCount else { return }
            logEventCount = e.sequence + 1
            if let alert = Alert.logEvent(stored, directory: directory) {
                alerts.publish(alert)
                metrics.increment("contactpoint_alerts_published_total", [("kind", alert.reason.kind)])
            }
            return
        }
        perform(on: e.requestID) { [self] in
            let known = cases[e.requestID]?.eventCount ?? 0
            guard e.sequence >= known else { return }  // this Desk's own, or seen already
            guard e.sequence == known else {
                log.error("an event of the log skips ahead of what this daemon knows of its request", metadata: [
                    "request": "\(e.requestID)", "sequence": "\(e.sequence)", "known": "\(known)", "position": "\(stored.position)",
                ])
                return
            }
            guard case .success(let event) = SealedContent.replayEvent(type: e.type, payload: e.payload) else {
                log.error("unreadable event in the log, not followed", metadata: ["position": "\(stored.position)", "type": "\(e.type)"])
                return
            }
            if case .submitted = event {} else if cases[e.requestID] == nil {
                log.error("an event for a request this daemon does not know, not followed", metadata: ["position": "\(stored.position)"])
                return
            }
            land(event, stored: stored)
            reschedule(e.requestID)
            metrics.increment("contactpoint_events_followed_total")
        }
    }
}
