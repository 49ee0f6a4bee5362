import CSQLite
import Dispatch
import ContactPointModel
import Sealing

/// The wrapped data keys that seal requests' content (docs/privacy.md), and the check values
/// of the master keys that wrap them.
extension EventStore {
    /// A request's events with the wrapped keys of those that carry content (none once erased).
    public struct SealedHistory: Sendable {
        public var events: [StoredEvent]
        /// By event id.
        public var keys: [String: WrappedDataKey]
        /// The requests that follow on from this one (`extends` names it), in log order.
        public var followOns: [String] = []
    }

    /// Reads a request's history, its data keys and the requests that follow on from it in one
    /// read transaction, on the reader queue, and calls back there.
    public func sealedHistory(of requestID: String, completion: @escaping @Sendable (Result<SealedHistory, StoreError>) -> Void) {
        readerQueue.async {
            completion(Result { () throws(StoreError) -> SealedHistory in try self.sealedHistoryOnReader(requestID) })
        }
    }

    /// `sealedHistory(of:completion:)`, waiting. For tools and tests.
    public func sealedHistory(of requestID: String) throws(StoreError) -> SealedHistory {
        try onReader { () throws(StoreError) -> SealedHistory in try sealedHistoryOnReader(requestID) }
    }

    private func sealedHistoryOnReader(_ requestID: String) throws(StoreError) -> SealedHistory {
        try reader.execute(reader.dialect.beginSnapshot)
        defer { try? reader.execute("COMMIT") }
        let events = try historyOnReader(requestID)
        return SealedHistory(events: events, keys: try dataKeysOnReader(requestID), followOns: try followOnsOnReader(requestID))
    }

    func dataKeysOnReader(_ requestID: String) throws(StoreError) -> [String: WrappedDataKey] {
        let s = try reader.prepare("SELECT event_id, master_key_id, wrapped FROM data_keys WHERE request_id = ?")
        defer { s.reset() }
        s.bind(1, requestID)
        var keys: [String: WrappedDataKey] = [:]
        while try s.step() {
            let id = s.text(0) ?? ""
            keys[id] = WrappedDataKey(eventID: id, requestID: requestID, masterKeyID: s.text(1) ?? "", wrapped: s.blob(2))
        }
        return keys
    }

    /// The wrapped key of one event's content (an outbox message about to be sent), or nil if
    /// there is none (the request was erased). Throws if the store cannot be read.
    public func dataKey(requestID: String, eventID: String) throws(StoreError) -> WrappedDataKey? {
        try onReader { () throws(StoreError) -> WrappedDataKey? in
            let s = try reader.prepare("SELECT master_key_id, wrapped FROM data_keys WHERE request_id = ? AND event_id = ?")
            defer { s.reset() }
            s.bind(1, requestID)
            s.bind(2, eventID)
            guard try s.step() else { return nil }
            return WrappedDataKey(eventID: eventID, requestID: requestID, masterKeyID: s.text(0) ?? "", wrapped: s.blob(1))
        }
    }

    /// Every master key id the store has used, with its check value.
    public func masterKeyChecks() throws(StoreError) -> [(id: String, check: [UInt8])] {
        try onReader { () throws(StoreError) -> [(id: String, check: [UInt8])] in
            let s = try reader.prepare("SELECT id, check_value FROM master_keys ORDER BY added_ms, id")
            defer { s.reset() }
            var out: [(id: String, check: [UInt8])] = []
            while try s.step() { out.append((s.text(0) ?? "", s.blob(1))) }
            return out
        }
    }

    /// How many data keys each master key wraps.
    public func dataKeyCounts() throws(StoreError) -> [String: Int] {
        try onReader { () throws(StoreError) -> [String: Int] in
            let s = try reader.prepare("SELECT master_key_id, count(*) FROM data_keys GROUP BY master_key_id")
            defer { s.reset() }
            var out: [String: Int] = [:]
            while try s.step() { out[s.text(0) ?? ""] = Int(s.int64(1)) }
            return out
        }
    }

    /// Records a master key's check value the first time the key is in force.
    public func recordMasterKey(id: String, check: [UInt8], at: Instant) throws(StoreError) {
        try onWriter { () throws(StoreError) in
            let s = try writer.prepare("INSERT INTO master_keys (id, check_value, added_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            defer { s.reset() }
            s.bind(1, id)
            s.bind(2, blob: check)
            s.bind(3, at.millisecondsSince1970)
            try s.run()
        }
    }

    /// `pocd keys rotate`: rewraps every data key with `rewrap` under the master key `newest` in
    /// one transaction, forgets every other master key (none wraps anything any more), and wipes the old
    /// wrapped forms from the WAL. Returns how many keys were rewrapped, and whether the WAL
    /// could be wiped (a reader may hold it). Events are not touched.
    public func rewrapDataKeys(under newest: String,
                               _ rewrap: (WrappedDataKey) -> WrappedDataKey?) throws(StoreError) -> (count: Int, walWiped: Bool) {
        try onWriter { () throws(StoreError) -> (count: Int, walWiped: Bool) in
            try writer.execute(writer.dialect.beginWrite)
            do throws(StoreError) {
                let read = try writer.prepare("SELECT event_id, request_id, master_key_id, wrapped FROM data_keys")
                var rows: [WrappedDataKey] = []
                while try read.step() {
                    rows.append(WrappedDataKey(eventID: read.text(0) ?? "", requestID: read.text(1) ?? "",
                                               masterKeyID: read.text(2) ?? "", wrapped: read.blob(3)))
                }
                read.reset()
                let update = try writer.prepare("UPDATE data_keys SET master_key_id = ?, wrapped = ? WHERE request_id = ? AND event_id = ?")
                for row in rows {
                    guard let fresh = rewrap(row) else {
                        throw StoreError("the data key of event \(row.eventID) (request \(row.requestID)) does not unwrap "
                            + "with master key '\(row.masterKeyID)'; nothing was rewrapped")
                    }
                    update.reset()
                    update.bind(1, fresh.masterKeyID)
                    update.bind(2, blob: fresh.wrapped)
                    update.bind(3, row.requestID)
                    update.bind(4, row.eventID)
                    try update.run()
                }
                let forget = try writer.prepare("DELETE FROM master_keys WHERE id <> ?")
                forget.bind(1, newest)
                try forget.run()
                forget.reset()
                try writer.execute("COMMIT")
                return (rows.count, (try? wipeWAL()) != nil)
            } catch {
                try? writer.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Copies the WAL into the database and truncates it to nothing, so bytes deleted or
    /// overwritten (with `secure_delete` on, zeroed in the pages) survive in no file. Waits up
    /// to `milliseconds` for readers to leave the WAL (a long `pocd audit verify` may hold it);
    /// throws if it could not.
    ///
    /// On PostgreSQL the deleted rows are vacuumed from `data_keys`; the server's WAL segments,
    /// archives and backups are the database operator's (docs/privacy.md §4).
    func wipeWAL(waitingAtMost milliseconds: Int32 = 2_000) throws(StoreError) {
        guard let sqlite = writer as? SQLiteConnection else {
            try writer.execute("VACUUM data_keys")
            return
        }
        guard sqlite.checkpointTruncate(waitingAtMost: milliseconds) else {
            throw StoreError("\(path): the WAL could not be checkpointed and truncated (a reader held it)")
        }
    }

    func onWriter<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        dispatchPrecondition(condition: .notOnQueue(writerQueue))
        let result: Result<T, StoreError> = writerQueue.sync { Result { () throws(StoreError) -> T in try body() } }
        return try result.get()
    }
}
