import ContactPointModel

/// The Desk's requests: records in fixed-size chunks (a slot each, never reused: requests
/// are never deleted), and an index from the 128-bit id to the slot. Sized for a million
/// open requests: a dictionary of records would keep ~2 buckets per record at its load
/// factor, each as large as a record. The index is an open-addressing table of 4-byte slot
/// numbers (linear probing, the id compared in the record itself): a `[RequestID: Slot]`
/// paid 20 bytes a bucket, 42 MB at a million; this pays 8 MB.
/// Chunks, not one array, so that growing past a million never copies every record into an
/// array twice the size (which briefly doubled the memory in the benchmark).
/// Owned by the Desk's queue.
struct CaseTable {
    typealias Slot = Int32
    static let chunkBits = 16
    static let chunkSize = 1 << chunkBits
    private var chunks: [[CaseRecord]] = []
    private(set) var count = 0
    /// The index: a slot number per bucket, or `empty`; a power of two long, at most 70 % full.
    /// Ids come from clients, so a bucket is chosen by the process's seeded hash of the id
    /// (`Hasher`), never by its bits: ids chosen to collide cannot be made in advance.
    private var buckets: [Slot] = []
    private static let empty: Slot = -1
    /// Requests per convention article (in `ConventionArticle.allCases` order), then those with
    /// none: kept as records come and go, so /metrics reads them in constant time.
    private(set) var articleCounts = [Int](repeating: 0, count: ConventionArticle.allCases.count + 1)

    private func key(at slot: Slot) -> RequestID {
        chunks[Int(slot) >> Self.chunkBits][Int(slot) & (Self.chunkSize - 1)].key
    }

    private func home(_ key: RequestID) -> Int { key.hashValue & (buckets.count - 1) }

    /// The bucket holding `key`, or the empty one where it would go.
    private func bucket(of key: RequestID) -> (index: Int, found: Bool) {
        var i = home(key)
        while true {
            let slot = buckets[i]
            if slot == Self.empty { return (i, false) }
            if self.key(at: slot) == key { return (i, true) }
            i = (i + 1) & (buckets.count - 1)
        }
    }

    /// Room for `n` requests in the index without growing it.
    mutating func reserve(_ n: Int) {
        var size = max(16, buckets.count)
        while n * 10 > size * 7 { size *= 2 }
        if size != buckets.count { rehash(size) }
    }

    private mutating func rehash(_ size: Int) {
        buckets = [Slot](repeating: Self.empty, count: size)
        for slot in 0..<Slot(count) {
            var i = home(key(at: slot))
            while buckets[i] != Self.empty { i = (i + 1) & (size - 1) }
            buckets[i] = slot
        }
    }

    private mutating func tally(_ articles: ConventionArticles, _ delta: Int) {
        guard !articles.isEmpty else {
            articleCounts[articleCounts.count - 1] += delta
            return
        }
        var bits = articles.rawValue  // positions in `ConventionArticle.allCases`, without making an array of them
        while bits != 0 {
            let i = bits.trailingZeroBitCount
            if i < articleCounts.count - 1 { articleCounts[i] += delta }  // a bit no article has counts nowhere, as before
            bits &= bits - 1
        }
    }

    /// The slot of a request, if it is known.
    func slot(of id: String) -> Slot? { RequestID(id).flatMap { slot(of: $0) } }
    func slot(of key: RequestID) -> Slot? {
        guard !buckets.isEmpty else { return nil }
        let b = bucket(of: key)
        return b.found ? buckets[b.index] : nil
    }

    subscript(slot: Slot) -> CaseRecord {
        get { chunks[Int(slot) >> Self.chunkBits][Int(slot) & (Self.chunkSize - 1)] }
        set { chunks[Int(slot) >> Self.chunkBits][Int(slot) & (Self.chunkSize - 1)] = newValue }
    }

    subscript(id: String) -> CaseRecord? {
        get { slot(of: id).map { self[$0] } }
        set { if let key = RequestID(id) { self[key] = newValue } }
    }

    subscript(key: RequestID) -> CaseRecord? {
        get { slot(of: key).map { self[$0] } }
        set {
            if let slot = slot(of: key) {
                if let newValue { self[slot] = newValue } else {
                    // Only an append that failed removes a request; it was the last one added.
                    precondition(Int(slot) == count - 1, "only the newest request can be removed")
                    // No other entry's probe sequence passes the newest entry's bucket: one that
                    // did was filed while the bucket was taken, by an older entry, which could
                    // not have been removed before it. So emptying the bucket cuts nobody off
                    // (no tombstone, no shifting back).
                    buckets[bucket(of: key).index] = Self.empty
                    tally(self[slot].articles, -1)
                    chunks[chunks.count - 1].removeLast()
                    if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
                    count -= 1
                }
            } else if let newValue {
                precondition(newValue.key == key, "a record is filed under its own id")
                appendNew(newValue)  // not found just now
            }
        }
    }

    /// Files a request known to be new (a start reading the projection, whose primary key is the
    /// id): no lookup first, and its bucket found by looking at buckets only, never at the
    /// records behind them (each a cache miss: the lookups were a tenth of a start at a million).
    mutating func appendNew(_ record: CaseRecord) {
        if count & (Self.chunkSize - 1) == 0 {
            chunks.append([])
            chunks[chunks.count - 1].reserveCapacity(Self.chunkSize)
        }
        chunks[chunks.count - 1].append(record)
        count += 1
        tally(record.articles, 1)
        if count * 10 > buckets.count * 7 {
            rehash(max(16, buckets.count * 2))
        } else {
            var i = home(record.key)
            while buckets[i] != Self.empty { i = (i + 1) & (buckets.count - 1) }
            buckets[i] = Slot(count - 1)
        }
    }

    /// Every record, in slot order.
    var values: [CaseRecord] { chunks.flatMap { $0 } }
    var slots: Range<Slot> { 0..<Slot(count) }

    /// The records keyed by id (tests compare two tables).
    var byID: [RequestID: CaseRecord] { Dictionary(uniqueKeysWithValues: values.map { ($0.key, $0) }) }
}
