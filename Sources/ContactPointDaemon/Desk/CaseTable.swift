import ContactPointModel

/// The Desk's requests, keyed by their 128-bit id (no string hashing, no string storage
/// per key), looked up by the textual ids the API uses. Owned by the Desk's queue.
struct CaseTable {
    private(set) var byID: [RequestID: CaseRecord] = [:]

    subscript(id: String) -> CaseRecord? {
        get { RequestID(id).flatMap { byID[$0] } }
        set { if let key = RequestID(id) { byID[key] = newValue } }
    }

    subscript(key: RequestID) -> CaseRecord? {
        get { byID[key] }
        set { byID[key] = newValue }
    }

    var values: Dictionary<RequestID, CaseRecord>.Values { byID.values }
    var count: Int { byID.count }

    mutating func reserve(_ n: Int) { byID.reserveCapacity(n) }
}
