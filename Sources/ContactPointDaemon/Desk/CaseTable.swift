import ContactPointModel

/// The Desk's requests: records in one contiguous array (a slot each, never reused: requests
/// are never deleted), and an index from the 128-bit id to the slot. Sized for a million
/// open requests: a dictionary of records would keep ~2 buckets per record at its load
/// factor, each as large as a record; here only the index pays that, at 20 bytes a bucket.
/// Owned by the Desk's queue.
struct CaseTable {
    typealias Slot = Int32
    private(set) var records: [CaseRecord] = []
    private var index: [RequestID: Slot] = [:]

    /// The slot of a request, if it is known.
    func slot(of id: String) -> Slot? { RequestID(id).flatMap { index[$0] } }
    func slot(of key: RequestID) -> Slot? { index[key] }

    subscript(slot: Slot) -> CaseRecord {
        get { records[Int(slot)] }
        set { records[Int(slot)] = newValue }
    }

    subscript(id: String) -> CaseRecord? {
        get { slot(of: id).map { records[Int($0)] } }
        set { if let key = RequestID(id) { self[key] = newValue } }
    }

    subscript(key: RequestID) -> CaseRecord? {
        get { index[key].map { records[Int($0)] } }
        set {
            if let slot = index[key] {
                if let newValue { records[Int(slot)] = newValue } else {
                    // Only an append that failed removes a request; it was the last one added.
                    precondition(Int(slot) == records.count - 1, "only the newest request can be removed")
                    records.removeLast()
                    index[key] = nil
                }
            } else if let newValue {
                index[key] = Slot(records.count)
                records.append(newValue)
            }
        }
    }

    /// Every record, in slot order.
    var values: [CaseRecord] { records }
    var count: Int { records.count }
    var slots: Range<Slot> { 0..<Slot(records.count) }

    mutating func reserve(_ n: Int) {
        records.reserveCapacity(n)
        index.reserveCapacity(n)
    }

    /// The records keyed by id (tests compare two tables).
    var byID: [RequestID: CaseRecord] { Dictionary(uniqueKeysWithValues: records.map { ($0.key, $0) }) }
}
