import AuditLog
import ContactPointModel
import Dispatch

extension EventStore {
    /// Queues `batch` for the next group commit. `completion` runs on the store's writer
    /// queue once the batch is durable (or has failed); keep it short and hop to your own queue.
    public func append(_ batch: WriteBatch, completion: @escaping @Sendable (Result<AppendOutcome, StoreError>) -> Void) {
        lock.lock()
        pending.append((batch, completion))
        let start = !writerBusy
        writerBusy = true
        lock.unlock()
        if start { writerQueue.async { self.drain() } }
    }

    /// Appends and waits until durable. For tools and tests; never call it on the writer queue.
    public func appendAndWait(_ batch: WriteBatch) -> Result<AppendOutcome, StoreError> {
        dispatchPrecondition(condition: .notOnQueue(writerQueue))
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<AppendOutcome, StoreError>!
        append(batch) { r in
            result = r
            done.signal()
        }
        done.wait()
        return result
    }

    /// Commits everything pending, one transaction per round, until nothing is left.
    func drain() {
        dispatchPrecondition(condition: .onQueue(writerQueue))
        while true {
            lock.lock()
            let group = pending
            pending.removeAll(keepingCapacity: true)
            if group.isEmpty {
                writerBusy = false
                lock.unlock()
                return
            }
            lock.unlock()
            let results = commit(group.map(\.0))
            // An erasure is answered once the deleted keys are in no file (docs/privacy.md §4). If
            // a reader holds the WAL for 2 s, the wipe is tried again every second and after each
            // later commit, without waiting, so intake does not stall behind a long reader.
            if walWipePending || group.contains(where: { !$0.0.erasedRequests.isEmpty }) {
                retryWipe(waitingAtMost: walWipePending ? 0 : 2_000)
            }
            for (i, entry) in group.enumerated() { entry.1(results[i]) }
        }
    }

    /// Tries the WAL wipe; while it fails, tries again every second (writer queue).
    func retryWipe(waitingAtMost milliseconds: Int32) {
        dispatchPrecondition(condition: .onQueue(writerQueue))
        walWipePending = (try? wipeWAL(waitingAtMost: milliseconds)) == nil
        lock.lock()
        stats.walWipePending = walWipePending
        lock.unlock()
        guard walWipePending, !wipeRetryScheduled else { return }
        wipeRetryScheduled = true
        writerQueue.asyncAfter(deadline: .now() + 1) { [weak self] in
            guard let self else { return }
            self.wipeRetryScheduled = false
            if self.walWipePending, self.writer.isOpen { self.retryWipe(waitingAtMost: 0) }
        }
    }

    /// One transaction holding every batch of the group, each in its own savepoint.
    private func commit(_ group: [WriteBatch]) -> [Result<AppendOutcome, StoreError>] {
        var results: [Result<AppendOutcome, StoreError>] = []
        do {
            try writer.execute(writer.dialect.beginWrite)
            try catchUpWithOtherWriters()
        } catch {
            try? writer.execute("ROLLBACK")
            return Array(repeating: .failure(error), count: group.count)
        }
        let headPosition = lastPosition, headHash = lastHash, headTree = tree
        let projectionWasValid = projectionValid
        let digestBefore = projectionDigest
        for batch in group {
            let savedPosition = lastPosition, savedHash = lastHash, savedTree = tree
            do {
                try writer.execute("SAVEPOINT batch")
                let outcome = try write(batch)
                try writer.execute("RELEASE batch")
                if batch.replacesProjection {
                    projectionValid = true
                    projectionDigest = ProjectionDigest(rows: batch.snapshots)
                } else {
                    for row in batch.replacedSnapshots { projectionDigest.toggle(row) }
                    for row in batch.snapshots { projectionDigest.toggle(row) }
                }
                // Events of a request without its snapshot leave the projection stale; events of
                // the log itself (request id "") are not in the projection.
                if case .stored(let events) = outcome, batch.snapshots.isEmpty, events.contains(where: { !$0.event.requestID.isEmpty }) {
                    projectionValid = false
                }
                results.append(.success(outcome))
            } catch {
                try? writer.execute("ROLLBACK TO batch")
                try? writer.execute("RELEASE batch")
                lastPosition = savedPosition
                lastHash = savedHash
                tree = savedTree
                results.append(.failure(error))
            }
        }
        do {
            if lastPosition != headPosition || group.contains(where: \.replacesProjection) {
                // The projection is current as of this commit only if every event came with its snapshot.
                let mark = try writer.prepare("UPDATE meta SET value = ? WHERE key = 'projection_position'")
                mark.bind(1, projectionValid ? lastPosition : -1)
                try mark.run()
            }
            if tree.size != headTree.size {
                let mark = try writer.prepare("UPDATE meta SET value = ? WHERE key = 'tree_size'")
                mark.bind(1, tree.size)
                try mark.run()
            }
            if projectionDigest != digestBefore || group.contains(where: \.replacesProjection) {
                let put = try writer.prepare("""
                    INSERT INTO projection_digest (id, digest) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET digest = excluded.digest
                    """)
                put.bind(1, projectionDigest.hex)
                try put.run()
            }
            try writer.execute("COMMIT")
        } catch {
            try? writer.execute("ROLLBACK")
            projectionValid = projectionWasValid
            projectionDigest = digestBefore
            lastPosition = headPosition
            lastHash = headHash
            tree = headTree
            return Array(repeating: .failure(StoreError(code: error.code, "commit failed: \(error.message)")), count: group.count)
        }
        lock.lock()
        if group.contains(where: { !$0.outbox.isEmpty || !$0.outboxUpdates.isEmpty }) { outboxGeneration += 1 }
        stats.commits += 1
        stats.batches += group.count
        stats.events += Int(lastPosition - headPosition)
        stats.largestGroup = max(stats.largestGroup, group.count)
        lock.unlock()
        return results
    }

    private func write(_ batch: WriteBatch) throws(StoreError) -> AppendOutcome {
        if let pid = batch.leaderSession { try checkLeadership(session: pid) }
        if let first = batch.events.first {
            let exists = try writer.prepare("SELECT 1 FROM events WHERE id = ?")
            exists.bind(1, first.id)
            let found = try exists.step()
            exists.reset()
            if found { return .duplicate(eventID: first.id) }
        }
        var stored: [StoredEvent] = []
        let insert = try writer.prepare("""
            INSERT INTO events (position, id, request_id, sequence, type, actor, at, payload, prev_hash, hash, leaf)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var events = batch.events
        if writer.dialect == .postgresql, events.contains(where: { $0.requestID.isEmpty }) {
            // Events of the log itself (reads, log alerts) are written by every daemon sharing
            // the database: each takes the next number under the append lock, not the one its
            // Desk guessed (docs/audit.md §7).
            var next = Int64(try writer.scalarText("SELECT coalesce(max(sequence) + 1, 0) FROM events WHERE request_id = ''") ?? "0") ?? 0
            for i in events.indices where events[i].requestID.isEmpty {
                events[i].sequence = Int(next)
                next += 1
            }
        }
        for event in events {
            let position = lastPosition + 1
            let payload = event.payload.canonicalBytes()
            let envelope = event.canonicalEnvelope(payload: payload)
            let hash = HashChain.hash(previous: lastHash, envelope: envelope)
            // The leaf data is the same envelope around the JCS payload: the envelope itself when
            // the canonical payload is already JCS (almost always), built again otherwise.
            let leaf = event.payload.canonicalIsJCS ? Merkle.leafHash(envelope) : Self.leafHash(of: event, canonicalPayload: payload)
            insert.reset()
            insert.bind(1, position)
            insert.bind(2, event.id)
            insert.bind(3, event.requestID)
            insert.bind(4, Int64(event.sequence))
            insert.bind(5, event.type)
            insert.bind(6, event.actor)
            insert.bind(7, event.at.rfc3339)
            insert.bind(8, bytes: payload)
            insert.bind(9, lastHash)
            insert.bind(10, hash)
            insert.bind(11, blob: leaf.bytes)
            do {
                try insert.run()
            } catch where error.isConstraint {
                throw StoreError(code: error.code, "event \(event.id) conflicts with the log: \(error.message)")
            }
            stored.append(StoredEvent(position: position, event: event, previousHash: lastHash, hash: hash))
            lastPosition = position
            lastHash = hash
            try appendLeaf(leaf)
        }
        if !batch.outbox.isEmpty {
            let now = clock.now().millisecondsSince1970
            let add = try writer.prepare("""
                INSERT INTO outbox (event_id, destination, kind, body, created_ms, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?)
                """)
            // A message an event causes is created at that event's time (a forwarded request's
            // submit time travels with it: the partner counts its deadlines from it); due now.
            var eventTimes: [String: Int64] = [:]
            for e in batch.events { eventTimes[e.id] = e.at.millisecondsSince1970 }
            for message in batch.outbox {
                add.reset()
                add.bind(1, message.eventID)
                add.bind(2, message.destination)
                add.bind(3, message.kind)
                add.bind(4, bytes: message.body)
                add.bind(5, message.eventID.flatMap { eventTimes[$0] } ?? now)
                add.bind(6, now)
                try add.run()
            }
        }
        if !batch.dataKeys.isEmpty {
            let put = try writer.prepare("INSERT INTO data_keys (request_id, event_id, master_key_id, wrapped) VALUES (?, ?, ?, ?)")
            for key in batch.dataKeys {
                put.reset()
                put.bind(1, key.requestID)
                put.bind(2, key.eventID)
                put.bind(3, key.masterKeyID)
                put.bind(4, blob: key.wrapped)
                try put.run()
            }
        }
        for requestID in batch.erasedRequests {
            let shred = try writer.prepare("DELETE FROM data_keys WHERE request_id = ?")
            shred.reset()
            shred.bind(1, requestID)
            try shred.run()
        }
        if batch.replacesProjection { try writer.execute("DELETE FROM cases") }
        if !batch.snapshots.isEmpty {
            let put = try writer.prepare(Self.putSnapshot)
            for s in batch.snapshots {
                put.reset()
                put.bind(1, Int64(bitPattern: s.id.high))
                put.bind(2, Int64(bitPattern: s.id.low))
                put.bind(3, s.reference)
                put.bind(4, Int64(s.from))
                put.bind(5, Int64(s.to))
                put.bind(6, s.kind)
                put.bind(7, s.priority)
                put.bind(8, s.state)
                put.bind(9, s.eventCount)
                for i in s.times.indices { put.bind(Int32(10 + i), s.times[i]) }
                for i in s.levels.indices { put.bind(Int32(20 + i), s.levels[i]) }
                put.bind(24, s.reminderExpires)
                put.bind(25, s.reminderBefore)
                put.bind(26, s.erasedAt)
                put.bind(27, s.articles)
                try put.run()
            }
        }
        for update in batch.outboxUpdates { try apply(update) }
        try writeAuditRecords(batch)
        return .stored(stored)
    }

    private func apply(_ update: OutboxUpdate) throws(StoreError) {
        switch update {
        case .delivered(let id, let at):
            let s = try writer.prepare("UPDATE outbox SET delivered_ms = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
            s.bind(1, at.millisecondsSince1970)
            s.bind(2, id)
            try s.run()
        case .failed(let id, let error, let retryAt):
            let s = try writer.prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? WHERE id = ?")
            s.bind(1, error)
            s.bind(2, retryAt.millisecondsSince1970)
            s.bind(3, id)
            try s.run()
        case .parked(let id, let error, let at):
            let s = try writer.prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?, parked_ms = ? WHERE id = ?")
            s.bind(1, error)
            s.bind(2, at.millisecondsSince1970)
            s.bind(3, id)
            try s.run()
        case .retried(let id, let at, let by, let reason):
            try resolveParked(id, set: "parked_ms = NULL, next_attempt_ms = ?", at: at,
                              resolution: "retried by \(by) at \(at.rfc3339): \(reason)", what: "retried")
        case .dropped(let id, let at, let by, let reason):
            try resolveParked(id, set: "dropped_ms = ?", at: at,
                              resolution: "dropped by \(by) at \(at.rfc3339): \(reason)", what: "dropped")
        }
    }

    /// A supervisor's retry or drop: `set` (one `?`, bound to `at`) and the resolution, on a
    /// parked message only; anything else throws.
    private func resolveParked(_ id: Int64, set: String, at: Instant, resolution: String, what: String) throws(StoreError) {
        let s = try writer.prepare("""
            UPDATE outbox SET \(set), resolution = ?
            WHERE id = ? AND parked_ms IS NOT NULL AND delivered_ms IS NULL AND dropped_ms IS NULL
            """)
        s.bind(1, at.millisecondsSince1970)
        s.bind(2, resolution)
        s.bind(3, id)
        try s.run()
        guard writer.changes == 1 else {
            throw StoreError("outbox message \(id) cannot be \(what): it is not parked")
        }
    }
}

extension EventStore {
    /// The projection's columns, in table order.
    static let caseColumns = [
        "id_high", "id_low", "reference", "from_cp", "to_cp", "kind", "priority", "state", "event_count",
        "t_submitted", "t_delivered", "t_acknowledged", "t_risk_notified", "t_proceeded",
        "t_preserved", "t_expires", "t_expiry_set", "t_mla_linked", "t_ended",
        "l_deliver", "l_acknowledge", "l_preserve", "l_answer_risk",
        "reminder_expires", "reminder_before", "t_erased", "articles",
    ]

    /// Writes a request's row of the projection, replacing the one it had.
    static let putSnapshot = """
        INSERT INTO cases (\(caseColumns.joined(separator: ", "))) VALUES (\(caseColumns.map { _ in "?" }.joined(separator: ", ")))
        ON CONFLICT (id_high, id_low) DO UPDATE SET \(caseColumns.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        """
}
