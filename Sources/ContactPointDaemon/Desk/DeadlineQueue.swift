import ContactPointModel
import HeapModule

/// The priority queue of the next moment each open request needs the Desk: a binary heap
/// of (when, slot), with lazy invalidation. Rescheduling a request does not search the
/// heap; it records the new time in `scheduled` (an array indexed by the request's slot in
/// the `CaseTable`) and pushes a new entry. An entry whose time no longer matches is stale
/// and is dropped when it reaches the top; the heap is rebuilt when stale entries outnumber
/// live ones.
///
/// A value type owned by the Desk's queue, like everything the Desk holds.
struct DeadlineQueue {
    typealias Slot = CaseTable.Slot

    struct Entry: Comparable {
        var at: Int64
        var slot: Slot
        static func < (a: Entry, b: Entry) -> Bool { a.at < b.at || (a.at == b.at && a.slot < b.slot) }
    }

    static let none = Int64.min
    private var heap = Heap<Entry>()
    /// The live time of each slot, or `none`.
    private var scheduled: [Int64] = []
    private(set) var count = 0

    /// Heap entries, stale ones included (for the metrics that watch the lazy deletion).
    var heapSize: Int { heap.count }

    /// When `slot` is scheduled, if it is.
    func time(of slot: Slot) -> Instant? {
        Int(slot) < scheduled.count && scheduled[Int(slot)] != Self.none
            ? Instant(millisecondsSince1970: scheduled[Int(slot)]) : nil
    }

    /// Schedules `slot` at `at`, replacing what it had; nil unschedules it.
    mutating func schedule(_ slot: Slot, at: Instant?) {
        let i = Int(slot)
        if i >= scheduled.count { scheduled.append(contentsOf: repeatElement(Self.none, count: i - scheduled.count + 1)) }
        let new = at?.millisecondsSince1970 ?? Self.none
        guard scheduled[i] != new else { return }
        if scheduled[i] == Self.none { count += 1 }
        if new == Self.none { count -= 1 }
        scheduled[i] = new
        if new != Self.none { heap.insert(Entry(at: new, slot: slot)) }
        if heap.count > 64 && heap.count > 2 * count { compact() }
    }

    /// Room for `n` slots (replay knows how many requests there are).
    mutating func reserve(_ n: Int) {
        scheduled.reserveCapacity(n)
    }

    /// Builds the queue for many slots at once in O(n) (replay), replacing its contents.
    mutating func rebuild(_ times: [(Slot, Instant?)]) {
        var raw = Array(repeating: Self.none, count: times.map { Int($0.0) + 1 }.max() ?? 0)
        for (slot, at) in times { raw[Int(slot)] = Self.raw(at) }
        rebuild(scheduled: raw)
    }

    /// The raw form of a time `rebuild(scheduled:)` takes: milliseconds, or `none`.
    static func raw(_ at: Instant?) -> Int64 { at?.millisecondsSince1970 ?? none }

    /// Builds the queue in O(n) from each slot's time in raw form (index = slot), taking the
    /// array as its own: a start at a million requests fills it directly, with no list of
    /// (slot, time) pairs beside it (that list and its copy were ~45 MB of the start's peak).
    mutating func rebuild(scheduled raw: [Int64]) {
        scheduled = raw
        var entries: [Entry] = []
        entries.reserveCapacity(raw.count)
        for (i, at) in raw.enumerated() where at != Self.none { entries.append(Entry(at: at, slot: Slot(i))) }
        count = entries.count
        heap = Heap(entries)
    }

    /// The earliest live time, dropping stale entries on the way.
    mutating func earliest() -> Instant? {
        while let top = heap.min {
            if scheduled[Int(top.slot)] == top.at { return Instant(millisecondsSince1970: top.at) }
            heap.removeMin()
        }
        return nil
    }

    /// Removes and returns every slot due at `now`, earliest first. They are unscheduled.
    mutating func popDue(at now: Instant) -> [Slot] {
        var due: [Slot] = []
        while let top = heap.min, top.at <= now.millisecondsSince1970 {
            heap.removeMin()
            if scheduled[Int(top.slot)] == top.at {
                scheduled[Int(top.slot)] = Self.none
                count -= 1
                due.append(top.slot)
            }
        }
        return due
    }

    /// Rebuilds the heap from the live entries when stale ones outnumber them.
    private mutating func compact() {
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for (i, at) in scheduled.enumerated() where at != Self.none { entries.append(Entry(at: at, slot: Slot(i))) }
        heap = Heap(entries)
    }
}
