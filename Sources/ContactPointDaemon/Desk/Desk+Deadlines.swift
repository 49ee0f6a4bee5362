import ContactPointModel
import ContactPointStore
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
        let now = clock()
        deadlines.schedule(slot, at: wakeTime(slot, now: now))
        armTimer()
    }

    /// When the Desk next needs to look at a request: its next ladder step, reminder or
    /// expiry, or — so the overdue count is exact without scanning — the moment a running
    /// deadline passes. Also brings the request's overdue mark up to date.
    func wakeTime(_ slot: CaseTable.Slot, now: Instant) -> Instant? {
        dispatchPrecondition(condition: .onQueue(queue))
        let record = cases[slot]
        guard !record.state.isFinal else {
            overdueSlots.remove(slot)
            return nil
        }
        var wake = record.nextFiring(policy: policy)
        var overdue = false
        for d in record.deadlines(policy: policy) where d.kind.escalates {
            if d.dueAt <= now { overdue = true } else if wake.map({ d.dueAt < $0 }) ?? true { wake = d.dueAt }
        }
        if overdue { overdueSlots.insert(slot) } else { overdueSlots.remove(slot) }
        return wake
    }

    /// Arms the one timer for the earliest deadline (or disarms it).
    func armTimer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard automaticTimer else { return }
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
        let delay = min(max(0, earliest.milliseconds(since: clock())), Self.maximumTimerSleep)
        timer!.schedule(wallDeadline: .now() + .milliseconds(Int(delay)), leeway: .milliseconds(5))
    }

    private func timerFired() {
        armedFor = nil
        fireDue()
    }

    /// Records everything due now: escalations, reminders, expiries. The wall clock is read
    /// here, so an early or late timer (a clock jump) neither loses nor repeats a firing:
    /// what is due is decided by the recorded events and the time now.
    func fireDue() {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = clock()
        for slot in deadlines.popDue(at: now) {
            let id = cases[slot].id
            perform(on: id) { [self] in
                guard let record = cases[id] else { return }
                let due = record.dueEvents(at: clock(), policy: policy)
                guard !due.isEmpty else { return reschedule(id) }
                commit(due.map { ($0, selfIdentity, nil) }, for: id, at: clock()) { [self] result, _ in
                    if case .failure(let p) = result {
                        // Not recorded: try again shortly rather than lose the escalation.
                        log.error("escalation not recorded; retrying in 5s", metadata: ["request": "\(id)", "error": "\(p.detail)"])
                        deadlines.schedule(slot, at: clock() + .seconds(5))
                        armTimer()
                    }
                }
            }
        }
        armTimer()
    }

    // MARK: - Start and reload

    /// Rebuilds every request, then schedules their deadlines. Deadlines that passed while
    /// the daemon was down fire once, at the level now due, when the timer first fires.
    ///
    /// When the store's projection is current (every event came with its request's state),
    /// the requests are read from it, one row each; otherwise the whole log is replayed,
    /// each transition re-checked, and the projection rewritten.
    public func replay() throws -> (requests: Int, events: Int, fromProjection: Bool) {
        let fromProjection = try store.projectionIsCurrent()
        let events = fromProjection ? 0 : try replayEvents()
        try queue.sync { () throws in
            if fromProjection {
                var bad = 0
                cases.reserve(Int(try store.projectionCount()))
                try store.forEachSnapshot { snapshot in
                    if let record = CaseRecord(snapshot: snapshot) { cases[record.key] = record } else { bad += 1 }
                }
                if bad > 0 { log.error("unreadable rows in the projection, skipped", metadata: ["rows": "\(bad)"]) }
                for stored in try store.recentAlertEvents(limit: 10_000) {
                    guard case .success(let event) = CaseEvent.decode(type: stored.event.type, payload: stored.event.payload),
                          let alert = alert(for: stored, event) else { continue }
                    alerts.restore(alert)
                }
            }
            stateCounts = [:]
            var times: [(CaseTable.Slot, Instant?)] = []
            times.reserveCapacity(cases.count)
            let now = clock()
            for slot in cases.slots {
                stateCounts[cases[slot].state, default: 0] += 1
                times.append((slot, wakeTime(slot, now: now)))
            }
            deadlines.rebuild(times)
            armTimer()
        }
        if !fromProjection, events > 0 {
            let snapshots = queue.sync { cases.values.map(\.snapshot) }
            if case .failure(let error) = store.appendAndWait(WriteBatch(snapshots: snapshots, replacesProjection: true)) {
                log.error("could not rewrite the projection; the next start replays the log again", metadata: ["error": "\(error)"])
            }
        }
        return (queue.sync { cases.count }, events, fromProjection)
    }

    /// Folds every event of the log into `cases`, re-checking each transition.
    func replayEvents() throws -> Int {
        try queue.sync { () throws -> Int in
            var count = 0
            try store.forEachEvent { stored, _ in
                count += 1
                let e = stored.event
                guard case .success(let event) = CaseEvent.decode(type: e.type, payload: e.payload) else {
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

    /// Takes a new policy and directory (SIGHUP) and reschedules every open request.
    public func reload(policy newPolicy: DeadlinePolicy, directory newDirectory: Directory) {
        queue.async { [self] in
            policy = newPolicy
            directory = newDirectory
            let now = clock()
            deadlines.rebuild(cases.slots.map { ($0, wakeTime($0, now: now)) })
            armedFor = nil
            armTimer()
            log.info("policy and directory reloaded; deadlines rescheduled", metadata: ["open": "\(deadlines.count)"])
        }
    }

    /// Waits until every command in flight has been answered (shutdown).
    public func drain(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if queue.sync(execute: { busy.isEmpty }) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// Stops the timer.
    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }
}
