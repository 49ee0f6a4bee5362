import ContactPointModel
import HeapModule

/// The priority queue of the next moment each open request needs the Desk: a binary heap
/// of (when, request id), with lazy invalidation. Rescheduling a request does not search
/// the heap; it records the new time in `scheduled` and pushes a new entry. An entry whose
/// time no longer matches `scheduled` is stale and is dropped when it reaches the top.
///
/// A value type owned by the Desk's queue, like everything the Desk holds.
struct DeadlineQueue {
    struct Entry: Comparable {
        var at: Instant
        var requestID: RequestID
        static func < (a: Entry, b: Entry) -> Bool { a.at < b.at || (a.at == b.at && a.requestID < b.requestID) }
    }

    private var heap = Heap<Entry>()
    private(set) var scheduled: [RequestID: Instant] = [:]

    /// Requests with something scheduled.
    var count: Int { scheduled.count }
    /// Heap entries, stale ones included (for the metrics that watch the lazy deletion).
    var heapSize: Int { heap.count }

    /// Schedules `requestID` at `at`, replacing what it had; nil unschedules it.
    mutating func schedule(_ requestID: String, at: Instant?) {
        guard let key = RequestID(requestID) else { return }
        schedule(key, at: at)
    }

    /// Schedules by compact id.
    mutating func schedule(_ requestID: RequestID, at: Instant?) {
        guard scheduled[requestID] != at else { return }
        scheduled[requestID] = at
        if let at { heap.insert(Entry(at: at, requestID: requestID)) }
        if heap.count > 64 && heap.count > 2 * scheduled.count { compact() }
    }

    /// The earliest live time, dropping stale entries on the way.
    mutating func earliest() -> Instant? {
        while let top = heap.min {
            if scheduled[top.requestID] == top.at { return top.at }
            heap.removeMin()
        }
        return nil
    }

    /// Removes and returns every request due at `now`, earliest first. They are unscheduled.
    mutating func popDue(at now: Instant) -> [String] {
        popDueKeys(at: now).map(\.description)
    }

    /// Removes and returns every request due at `now`, by compact id.
    mutating func popDueKeys(at now: Instant) -> [RequestID] {
        var due: [RequestID] = []
        while let top = heap.min, top.at <= now {
            heap.removeMin()
            if scheduled[top.requestID] == top.at {
                scheduled[top.requestID] = nil
                due.append(top.requestID)
            }
        }
        return due
    }

    /// Rebuilds the heap from the live entries when stale ones outnumber them.
    private mutating func compact() {
        heap = Heap(scheduled.map { Entry(at: $0.value, requestID: $0.key) })
    }
}
