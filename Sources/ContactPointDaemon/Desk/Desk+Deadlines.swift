import ContactPointModel
import ContactPointStore
import Sealing
import Dispatch
import Foundation

extension Desk {
    /// The longest the timer sleeps before re-checking the wall clock, so that a forward
    /// clock jump is noticed within this bound even if the timer follows monotonic time.
    static let maximumTimerSleep: Int64 = 300_000  // ms

    /// Computes the request's next firing and puts it in the deadline queue.
    func reschedule(_ requestID: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let slot = cases.slot(of: requestID) else { return }
        let now = clock.now()
        deadlines.schedule(slot, at: wakeTime(slot, now: now, policy: policy))
        armTimer()
    }

    /// When the Desk next needs to look at a request: its next ladder step, reminder or
    /// expiry, or — so the overdue count is exact without scanning — the moment a running
    /// deadline passes. Also brings the request's overdue mark up to date.
    /// `policy` is the one in force, read once by callers that loop over every request.
    func wakeTime(_ slot: CaseTable.Slot, now: Instant, policy: DeadlinePolicy) -> Instant? {
        dispatchPrecondition(condition: .onQueue(queue))
        let (wake, overdue) = cases[slot].wake(at: now, policy: policy)
        let changed = overdue ? overdueSlots.insert(slot).inserted : overdueSlots.remove(slot) != nil
        if changed { publishCounts() }
        return wake
    }

    /// Arms the one timer for the earliest deadline (or disarms it).
    func armTimer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard automaticTimer, firing else { return }
        guard let earliest = deadlines.earliest() else {
            armedFor = nil
            timer?.schedule(wallDeadline: .distantFuture)
            return
        }
        if armedFor == earliest { return }
        armedFor = earliest
        if timer == nil {
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.timerFired() }
            t.resume()
            timer = t
        }
        let delay = min(max(0, earliest.milliseconds(since: clock.now())), Self.maximumTimerSleep)
        timer!.schedule(wallDeadline: .now() + .milliseconds(Int(delay)), leeway: .milliseconds(5))
    }

    private func timerFired() {
        dispatchPrecondition(condition: .onQueue(queue))
        armedFor = nil
        fireDue()
    }

    /// Records everything due now: escalations, reminders, expiries. The wall clock is read
    /// here, so an early or late timer (a clock jump) neither loses nor repeats a firing:
    /// what is due is decided by the recorded events and the time now.
    func fireDue() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard firing else { return }
        let now = clock.now()
        for slot in deadlines.popDue(at: now) {
            let id = cases[slot].id
            perform(on: id) { [self] in
                guard let record = cases[id] else { return }
                // Leadership may have gone while this waited its turn: the new leader fires it.
                guard firing else { return reschedule(id) }
                let due = record.dueEvents(at: clock.now(), policy: policy)
                guard !due.isEmpty else { return reschedule(id) }
                commit(due.map { ($0, selfIdentity, nil) }, for: id, at: clock.now(), fenced: true) { [self] result, _ in
                    if case .failure(let p) = result {
                        guard firing else { return reschedule(id) }
                        // Perhaps the other daemon recorded it first (a moment of double
                        // leadership the store refused): learn what the log holds before retrying.
                        follow {}
                        // Not recorded: try again shortly rather than lose the escalation.
                        log.error("escalation not recorded; retrying in 5s", metadata: ["request": "\(id)", "error": "\(p.detail)"])
                        deadlines.schedule(slot, at: clock.now() + .seconds(5))
                        armTimer()
                    }
                }
            }
        }
        armTimer()
    }

    // MARK: - Start and reload

    /// What `replay()` rebuilt, and from what.
    public struct ReplayOutcome: Sendable {
        public var requests: Int
        /// Events folded (0 when the projection was read).
        public var events: Int
        /// `projection`, `events`, or why the projection was not used.
        public var source: String
        /// Requests whose projection row disagreed with the log (at most 20 named).
        public var disagreeing: [String] = []
        /// Whether the requests were read from the projection.
        public var fromProjection: Bool { source == "projection" }
    }

    /// Rebuilds every request, then schedules their deadlines. Deadlines that passed while
    /// the daemon was down fire once, at the level now due, when the timer first fires.
    ///
    /// When the store's projection is current (every event came with its request's state),
    /// the requests are read from it, one row each, and the rows are checked against the
    /// digest recorded with the last commit; otherwise — or when the rows do not match, as
    /// after `UPDATE cases SET state = 'released'` behind the daemon's back — the whole log
    /// is replayed, each transition re-checked, and the projection rewritten. Call it once,
    /// after `wire`, before serving.
    public func replay() throws -> ReplayOutcome {
        // Events other daemons write from here on are followed from this position; those
        // written during the replay and already read are skipped then as known.
        let head = try store.headPosition()
        queue.sync { followedPosition = head }
        var outcome = ReplayOutcome(requests: 0, events: 0, source: "projection")
        var useProjection = try store.projectionIsCurrent()
        if !useProjection { outcome.source = "events (the projection was not current)" }
        var projected: [RequestID: CaseRecord] = [:]
        if useProjection {
            try queue.sync { () throws in
                var bad = 0
                let matches = try store.forEachSnapshot(reserve: { cases.reserve($0) }) { snapshot in
                    // The projection's primary key is the id: each row is a new request.
                    if let record = CaseRecord(snapshot: snapshot) { cases.appendNew(record) } else { bad += 1 }
                }
                guard matches, bad == 0 else {
                    log.error("the projection disagrees with the event log (its rows do not match the digest recorded with the last commit\(bad > 0 ? "; \(bad) unreadable rows" : "")); rebuilding it from the log, which is the truth")
                    projected = cases.byID
                    cases = CaseTable()
                    useProjection = false
                    outcome.source = "events (the projection disagreed with the log and was rebuilt)"
                    return
                }
                for stored in try store.recentAlertEvents(limit: 10_000) {
                    if let alert = Alert.logEvent(stored, directory: directory) {
                        alerts.restore(alert)
                        continue
                    }
                    guard case .success(let event) = SealedContent.replayEvent(type: stored.event.type, payload: stored.event.payload),
                          let alert = alert(for: stored, event) else { continue }
                    alerts.restore(alert)
                }
            }
        }
        if !useProjection { outcome.events = try replayEvents() }
        let logEvents = try store.logEventCount()
        queue.sync { logEventCount = logEvents }
        try queue.sync { () throws in
            stateCounts = [:]
            let now = clock.now()
            let policy = self.policy
            // Every request's wake time, in chunks on every core (a pure function of the record),
            // written straight into the array the deadline queue takes as its own; then the counts
            // and overdue marks, in order, on this queue.
            let table = cases
            let chunk = 65_536
            let chunks = (table.count + chunk - 1) / chunk
            var wakes = [Int64](repeating: DeadlineQueue.none, count: table.count)
            var overdue = [Bool](repeating: false, count: table.count)
            var counts = [[RequestState: Int]](repeating: [:], count: chunks)
            wakes.withUnsafeMutableBufferPointer { wakes in
                overdue.withUnsafeMutableBufferPointer { overdue in
                    counts.withUnsafeMutableBufferPointer { counts in
                        // Each iteration writes its own chunk of the buffers (and its own counts) only;
                        // concurrentPerform returns after all.
                        nonisolated(unsafe) let wakes = wakes, overdue = overdue, counts = counts
                        DispatchQueue.concurrentPerform(iterations: chunks) { c in
                            var states: [RequestState: Int] = [:]
                            for i in (c * chunk)..<min(table.count, (c + 1) * chunk) {
                                let record = table[CaseTable.Slot(i)]
                                let w = record.wake(at: now, policy: policy)
                                wakes[i] = DeadlineQueue.raw(w.wake)
                                overdue[i] = w.overdue
                                states[record.state, default: 0] += 1
                            }
                            counts[c] = states
                        }
                    }
                }
            }
            for part in counts { stateCounts.merge(part, uniquingKeysWith: +) }
            overdueSlots.removeAll()
            for (i, late) in overdue.enumerated() where late { overdueSlots.insert(CaseTable.Slot(i)) }
            publishCounts()
            deadlines.rebuild(scheduled: wakes)
            armTimer()
            if !projected.isEmpty || outcome.source.contains("disagreed") {
                var differing: [String] = []
                for slot in cases.slots where projected[cases[slot].key] != cases[slot] { differing.append(cases[slot].id) }
                let rebuilt = Set(cases.slots.map { cases[$0].key })
                differing += projected.keys.filter { !rebuilt.contains($0) }.map(\.description)
                outcome.disagreeing = Array(differing.sorted().prefix(20))
                log.error("projection rows that disagreed with the log", metadata: [
                    "count": "\(differing.count)", "requests": "\(outcome.disagreeing.joined(separator: ","))",
                ])
            }
        }
        if !useProjection {
            let snapshots = queue.sync { cases.values.map(\.snapshot) }
            if case .failure(let error) = store.appendAndWait(WriteBatch(snapshots: snapshots, replacesProjection: true)) {
                log.error("could not rewrite the projection; the next start replays the log again", metadata: ["error": "\(error)"])
            }
        }
        outcome.requests = queue.sync { cases.count }
        return outcome
    }

    /// Folds every event of the log into `cases`, re-checking each transition.
    func replayEvents() throws -> Int {
        try queue.sync { () throws -> Int in
            var count = 0
            try store.forEachEvent { stored, _ in
                count += 1
                let e = stored.event
                if e.requestID.isEmpty {  // an event of the log itself (docs/audit.md §7)
                    if let alert = Alert.logEvent(stored, directory: directory) { alerts.restore(alert) }
                    return
                }
                guard case .success(let event) = SealedContent.replayEvent(type: e.type, payload: e.payload) else {
                    log.error("unreadable event in the log, skipped", metadata: ["position": "\(stored.position)", "type": "\(e.type)"])
                    return
                }
                if case .submitted(let request) = event {
                    cases[e.requestID] = CaseRecord(request, submittedAt: e.at)
                } else if cases[e.requestID] != nil {
                    do { try cases[e.requestID]!.apply(event, at: e.at) } catch {
                        log.error("event does not apply on replay, skipped", metadata: ["position": "\(stored.position)", "error": "\(error)"])
                        return
                    }
                } else {
                    log.error("event for an unknown request, skipped", metadata: ["position": "\(stored.position)"])
                    return
                }
                if let alert = alert(for: stored, event) { alerts.restore(alert) }
            }
            return count
        }
    }

    /// Puts a new directory and policy in force (SIGHUP) and reschedules every open request,
    /// on the Desk's queue; `done` runs there once they are in force.
    public func reload(_ next: Settings.Version, done: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            settings.replace(next)
            let now = clock.now()
            let policy = self.policy
            deadlines.rebuild(cases.slots.map { ($0, wakeTime($0, now: now, policy: policy)) })
            armedFor = nil
            armTimer()
            log.info("policy and directory in force; deadlines rescheduled", metadata: ["open": "\(deadlines.count)"])
            done?()
        }
    }

    /// The clock moved by more than the timer can know (the test clock's offset changed):
    /// fires what is due now and re-arms the timer for the new earliest deadline.
    public func clockMoved() {
        queue.async { [self] in
            armedFor = nil
            fireDue()
        }
    }

    /// Calls `done` once no command is in flight (shutdown), or with false after `timeout`
    /// seconds. Waits on a notification from `finish`, not by polling. `done` runs on the
    /// Desk's queue: hop elsewhere before calling back into the Desk synchronously.
    public func drain(timeout: TimeInterval, done: @escaping @Sendable (Bool) -> Void) {
        queue.async { [self] in
            if busy.isEmpty { return done(true) }
            let waiter = DrainWaiter(done)
            drainWaiters.append(waiter)
            queue.asyncAfter(deadline: .now() + timeout) { waiter.call(false) }
        }
    }

    /// Tells drain waiters that nothing is in flight any more.
    func notifyDrainedIfIdle() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard busy.isEmpty, !drainWaiters.isEmpty else { return }
        let waiters = drainWaiters
        drainWaiters = []
        for w in waiters { w.call(true) }
    }

    /// Stops the timer.
    public func stop() {
        queue.sync {
            followTimer?.cancel()
            followTimer = nil
            timer?.cancel()
            timer = nil
        }
    }
}
