import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation

/// `poc-store-bench`: drives the event store from outside, for the crash test and the
/// group-commit benchmark (Scripts/bench/store.sh).
///
///     poc-store-bench loop DIR [--writers N]      append forever; print each id once it is durable
///     poc-store-bench append DIR --writers N --seconds S   appends/s with N concurrent writers
///     poc-store-bench fsync DIR --seconds S       plain write(4 KiB)+fsync per second on the same disk
///     poc-store-bench verify DIR                  walk the chain
///     poc-store-bench seed DIR --requests N [--due-from MS --due-spread MS --priority P --to CC]
///         N requests VN→CC as pocd would store them (submitted + delivered, with snapshots);
///         with --due-from, their acknowledgement falls due evenly over [due-from, due-from+spread]
///     poc-store-bench lateness DIR --due-from MS  p50/p99/max of (escalation event time − due time)
enum StoreBenchCommand {
    static func main(_ args: [String]) {
        guard args.count >= 3 else { usage() }
        let mode = args[1], dir = args[2]
        let writers = Int(option("--writers", in: args) ?? "1") ?? 1
        let seconds = Double(option("--seconds", in: args) ?? "5") ?? 5
        switch mode {
        case "loop": loop(dir: dir, writers: writers)
        case "append": appendBench(dir: dir, writers: writers, seconds: seconds)
        case "fsync": fsyncBench(dir: dir, seconds: seconds)
        case "seed":
            seed(dir: dir, count: Int(option("--requests", in: args) ?? "1000") ?? 1000,
                 dueFrom: option("--due-from", in: args).flatMap { Int64($0) },
                 dueSpread: Int64(option("--due-spread", in: args) ?? "60000") ?? 60000,
                 priority: Priority(rawValue: option("--priority", in: args) ?? "routine") ?? .routine,
                 to: option("--to", in: args) ?? "DE")
        case "lateness":
            lateness(dir: dir, dueFrom: Int64(option("--due-from", in: args) ?? "0") ?? 0)
        case "verify":
            do {
                let store = try EventStore(directory: dir, clock: .system)
                let result = try store.verifyChain()
                emit(result.description)
                exit(result.isIntact ? 0 : 1)
            } catch { fail("\(error)") }
        default: usage()
        }
    }

    /// One line to standard output in a single write(2): no buffer to lose on kill -9.
    static func emit(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }

    static func option(_ name: String, in args: [String]) -> String? {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    static func usage() -> Never {
        fail("usage: poc-store-bench loop|append|fsync|verify DIR [--writers N] [--seconds S]")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }

    static func open(_ dir: String) -> EventStore {
        do { return try EventStore(directory: dir, clock: .system) } catch { fail("\(error)") }
    }

    /// A fresh id as pocd makes them: a version-7 UUID of now (`RequestID.timeOrdered(at:)`).
    static func newID() -> String { RequestID.timeOrdered(at: .now()).description }

    /// A realistic event: one request's `submitted` payload size is about 1 KiB.
    static func event(request: String, sequence: Int) -> NewEvent {
        NewEvent(id: newID(), requestID: request, sequence: sequence, type: "acknowledged",
                 actor: "officer.de.bob", at: .now(),
                 payload: ["note": .string(String(repeating: "x", count: 900))])
    }

    /// Each writer appends to its own request, one event at a time, and prints the id
    /// only after `append` reported it durable. Runs until killed.
    static func loop(dir: String, writers: Int) -> Never {
        let store = open(dir)
        let printLock = NSLock()
        for w in 0..<writers {
            Thread.detachNewThread {
                let request = newID()
                var sequence = 0
                while true {
                    let e = event(request: request, sequence: sequence)
                    switch store.appendAndWait(WriteBatch(events: [e])) {
                    case .success:
                        printLock.lock()
                        emit(e.id)
                        printLock.unlock()
                        sequence += 1
                    case .failure(let error):
                        fail("writer \(w): \(error)")
                    }
                }
            }
        }
        while true { sleep(60) }
    }

    static func appendBench(dir: String, writers: Int, seconds: Double) -> Never {
        let store = open(dir)
        let deadline = Date().addingTimeInterval(seconds)
        let group = DispatchGroup()
        let countLock = NSLock()
        nonisolated(unsafe) var total = 0
        let start = Date()
        for _ in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                let request = newID()
                var n = 0
                while Date() < deadline {
                    if case .failure(let error) = store.appendAndWait(WriteBatch(events: [event(request: request, sequence: n)])) {
                        fail("\(error)")
                    }
                    n += 1
                }
                countLock.lock()
                total += n
                countLock.unlock()
                group.leave()
            }
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(start)
        let s = store.statistics
        emit(String(format: "writers=%d appends=%d seconds=%.2f appends_per_s=%.0f commits=%d commits_per_s=%.0f events_per_commit=%.2f largest_group=%d",
                     writers, total, elapsed, Double(total) / elapsed, s.commits, Double(s.commits) / elapsed,
                     Double(s.events) / Double(max(1, s.commits)), s.largestGroup))
        exit(0)
    }

    /// Writes what the Desk would for `count` new requests, in batches of 2,000 requests per
    /// commit: the `submitted` and `delivered` events and each request's snapshot.
    static func seed(dir: String, count: Int, dueFrom: Int64?, dueSpread: Int64, priority: Priority, to: String) -> Never {
        let store = open(dir)
        let template: EvidenceRequest
        let example = #"{"reference":"VN-A05-2026-0113","from":"VN","to":"DE","kind":"preservation","priority":"urgent","language":"en","authority":{"name":"Department of Cybersecurity and High-Tech Crime Prevention","contact":"duty@example.vn"},"offence":{"description":"Computer fraud","legal_provision":"Art. 290 Criminal Code","summary":"Victims paid for goods never delivered; the proceeds went to the account below.","convention_articles":["UN-13","BUD-8"]},"data":[{"description":"Subscriber and traffic data of account","relation_to_offence":"account received the proceeds","identifiers":[{"type":"email","value":"x@example.org"}],"period":{"from":"2026-10-01T00:00:00Z","to":"2026-11-01T00:00:00Z"}}],"custodian":{"name":"Example Mail GmbH","location":"DE"},"necessity":"data is deleted after 30 days","mla_intended":true}"#
        switch EvidenceRequest.decode(Array(example.utf8), newID: { newID() }) {
        case .success(let r): template = r
        case .failure(let p): fail("template: \(p)")
        }
        let ackWithin = DeadlinePolicy.defaults[priority].acknowledgeWithin
        let started = Date()
        var batch = WriteBatch()
        var written = 0
        for i in 0..<count {
            var r = template
            r.id = newID()
            r.reference = "SEED-\(i)"
            r.priority = priority
            r.to = CountryCode(to) ?? r.to
            let submittedAt: Instant
            if let dueFrom {
                let due = dueFrom + (count > 1 ? dueSpread * Int64(i) / Int64(count - 1) : 0)
                submittedAt = Instant(millisecondsSince1970: due) - ackWithin
            } else {
                submittedAt = .now()
            }
            var record = CaseRecord(r, submittedAt: submittedAt)
            try! record.apply(.delivered(by: "pocd.vn"), at: submittedAt)
            batch.events.append(NewEvent(id: newID(), requestID: r.id, sequence: 0, type: "submitted",
                                         actor: "officer.vn.alice", at: submittedAt, payload: CaseEvent.submitted(r).payload))
            batch.events.append(NewEvent(id: newID(), requestID: r.id, sequence: 1, type: "delivered",
                                         actor: "pocd.vn", at: submittedAt, payload: CaseEvent.delivered(by: "pocd.vn").payload))
            batch.snapshots.append(record.snapshot)
            if batch.snapshots.count == 2000 || i == count - 1 {
                if case .failure(let e) = store.appendAndWait(batch) { fail("\(e)") }
                written += batch.snapshots.count
                batch = WriteBatch()
                if written % 100_000 == 0 { FileHandle.standardError.write(Data("seeded \(written)\n".utf8)) }
            }
        }
        emit(String(format: "seeded=%d seconds=%.1f", written, Date().timeIntervalSince(started)))
        exit(0)
    }

    /// How late each acknowledgement escalation (level 1, due at or after `dueFrom`) was recorded.
    static func lateness(dir: String, dueFrom: Int64) -> Never {
        let store = open(dir)
        var late: [Int64] = []
        do {
            try store.forEachEvent { stored, _ in
                let e = stored.event
                guard e.type == "escalated", e.payload["deadline"]?.stringValue == "acknowledge",
                      e.payload["level"]?.intValue == 1,
                      let due = e.payload["due_at"]?.stringValue.flatMap(Instant.init(rfc3339:)),
                      due.millisecondsSince1970 >= dueFrom
                else { return }
                late.append(e.at.milliseconds(since: due))
            }
        } catch { fail("\(error)") }
        late.sort()
        func pct(_ p: Double) -> Int64 { late.isEmpty ? -1 : late[min(late.count - 1, Int(Double(late.count) * p))] }
        emit("escalations=\(late.count) p50_ms=\(pct(0.50)) p99_ms=\(pct(0.99)) max_ms=\(late.last ?? -1) min_ms=\(late.first ?? -1)")
        exit(0)
    }

    static func fsyncBench(dir: String, seconds: Double) -> Never {
        let path = (dir as NSString).appendingPathComponent("fsync-probe.bin")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fail("cannot open \(path)") }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        let deadline = Date().addingTimeInterval(seconds)
        let start = Date()
        var n = 0
        while Date() < deadline {
            _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard fsync(fd) == 0 else { fail("fsync failed: \(String(cString: strerror(errno)))") }
            n += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        close(fd)
        unlink(path)
        emit(String(format: "write_fsync=%d seconds=%.2f fsyncs_per_s=%.0f", n, elapsed, Double(n) / elapsed))
        exit(0)
    }
}
