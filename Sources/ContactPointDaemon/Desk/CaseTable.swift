import ContactPointModel

/// The Desk's requests: records in fixed-size chunks (a slot each, never reused: requests
/// are never deleted), and an index from the 128-bit id to the slot. Sized for a million
/// open requests: a dictionary of records would keep ~2 buckets per record at its load
/// factor, each as large as a record; here only the index pays that, at 20 bytes a bucket.
/// Chunks, not one array, so that growing past a million never copies every record into an
/// array twice the size (which briefly doubled the memory in the benchmark).
/// Owned by the Desk's queue.
struct CaseTable {
    typealias Slot = Int32
    static let chunkBits = 16
    static let chunkSize = 1 << chunkBits
    private var chunks: [[CaseRecord]] = []
    private(set) var count = 0
    private var index: [RequestID: Slot] = [:]
    /// Requests per convention article (in `ConventionArticle.allCases` order), then those with
    /// none: kept as records come and go, so /metrics reads them in constant time.
    private(set) var articleCounts = [Int](repeating: 0, count: ConventionArticle.allCases.count + 1)

    private mutating func tally(_ articles: ConventionArticles, _ delta: Int) {
        guard !articles.isEmpty else {
            articleCounts[articleCounts.count - 1] += delta
            return
        }
        for i in articles.positions { articleCounts[i] += delta }
    }

    /// The slot of a request, if it is known.
    func slot(of id: String) -> Slot? { RequestID(id).flatMap { index[$0] } }
    func slot(of key: RequestID) -> Slot? { index[key] }

    subscript(slot: Slot) -> CaseRecord {
        get { chunks[Int(slot) >> Self.chunkBits][Int(slot) & (Self.chunkSize - 1)] }
        set { chunks[Int(slot) >> Self.chunkBits][Int(slot) & (Self.chunkSize - 1)] = newValue }
    }

    subscript(id: String) -> CaseRecord? {
        get { slot(of: id).map { self[$0] } }
        set { if let key = RequestID(id) { self[key] = newValue } }
    }

    subscript(key: RequestID) -> CaseRecord? {
        get { index[key].map { self[$0] } }
        set {
            if let slot = index[key] {
                if let newValue { self[slot] = newValue } else {
                    // Only an append that failed removes a request; it was the last one added.
                    precondition(Int(slot) == count - 1, "only the newest request can be removed")
                    tally(self[slot].articles, -1)
                    chunks[chunks.count - 1].removeLast()
                    if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
                    count -= 1
                    index[key] = nil
                }
            } else if let newValue {
                index[key] = Slot(count)
                if count & (Self.chunkSize - 1) == 0 {
                    chunks.append([])
                    chunks[chunks.count - 1].reserveCapacity(Self.chunkSize)
                }
                chunks[chunks.count - 1].append(newValue)
                count += 1
                tally(newValue.articles, 1)
            }
        }
    }

    /// Every record, in slot order.
    var values: [CaseRecord] { chunks.flatMap { $0 } }
    var slots: Range<Slot> { 0..<Slot(count) }

    mutating func reserve(_ n: Int) {
        index.reserveCapacity(n)
    }

    /// The records keyed by id (tests compare two tables).
    var byID: [RequestID: CaseRecord] { Dictionary(uniqueKeysWithValues: values.map { ($0.key, $0) }) }
}
