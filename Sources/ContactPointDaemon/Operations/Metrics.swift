import Foundation

/// Counters and histograms for `GET /metrics`, in the Prometheus text format (0.0.4).
/// Gauges that describe current state (requests by state, outbox depth) are not kept
/// here; their owners supply them at scrape time.
public final class Metrics: @unchecked Sendable {  // all values guarded by `lock`
    private let lock = NSLock()
    private var counters: [Key: Double] = [:]
    private var histograms: [Key: Histogram] = [:]
    private var help: [String: (type: String, text: String)] = [:]
    /// Every answered HTTP request, by route template: its count by status and its duration.
    /// Kept apart from `counters` and `histograms` (and merged into them when read) so that
    /// counting a request is one lookup by a short string, not the building, sorting and
    /// hashing of two label sets (~6,000 instructions, a twentieth of a `GET /healthz`).
    private var http: [String: HTTPRoute] = [:]

    static let httpRequests = "contactpoint_http_requests_total"
    static let httpDuration = "contactpoint_http_request_duration_seconds"

    private struct HTTPRoute {
        var byStatus: [Int: Double] = [:]
        var duration = Histogram()

        mutating func count(_ status: Int, seconds: Double) {
            byStatus[status, default: 0] += 1
            duration.record(seconds)
        }
    }

    struct Key: Hashable, Comparable {
        var name: String
        var labels: [String]  // "k=\"v\"" pairs, sorted
        static func < (a: Key, b: Key) -> Bool { (a.name, a.labels.joined()) < (b.name, b.labels.joined()) }
        var rendered: String { labels.isEmpty ? name : "\(name){\(labels.joined(separator: ","))}" }
    }

    struct Histogram {
        static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        var buckets = [Double](repeating: 0, count: bounds.count)
        var sum = 0.0
        var count = 0.0

        /// Adds another histogram's observations (the same bounds).
        mutating func add(_ other: Histogram) {
            for i in buckets.indices { buckets[i] += other.buckets[i] }
            sum += other.sum
            count += other.count
        }

        mutating func record(_ seconds: Double) {
            for (i, b) in Self.bounds.enumerated() where seconds <= b { buckets[i] += 1 }
            sum += seconds
            count += 1
        }
    }

    public init() {
        describe(Self.httpRequests, "counter", "HTTP requests answered, by route and status")
        describe(Self.httpDuration, "histogram", "Time from a complete request to its answer, by route")
        describe("contactpoint_escalations_total", "counter", "Escalation events recorded, by deadline and level")
        describe("contactpoint_reminders_total", "counter", "Reminders before expiry recorded")
        describe("contactpoint_expired_total", "counter", "Preservations that expired")
        describe("contactpoint_content_reads_total", "counter", "Reads of request content recorded in the access log")
        describe("contactpoint_content_erased_total", "counter", "Requests whose content was erased, by why (retention or order)")
        describe("contactpoint_submissions_total", "counter", "Requests stored, by kind and priority")
        describe("contactpoint_actions_total", "counter", "Actions recorded, by action")
        describe("contactpoint_events_appended_total", "counter", "Events appended to the hash-chained log")
        describe("contactpoint_alerts_published_total", "counter", "Alerts published to the log and the SSE stream, by kind")
        describe("contactpoint_alert_deliveries_total", "counter", "Deliveries to alert receivers, by receiver and outcome")
        describe("contactpoint_outbox_deliveries_total", "counter", "Outbox delivery attempts, by kind and outcome")
        describe("contactpoint_forbidden_total", "counter", "Requests refused for identity or authorization")
    }

    private func describe(_ name: String, _ type: String, _ text: String) { help[name] = (type, text) }

    private static func key(_ name: String, _ labels: [(String, String)]) -> Key {
        let rendered = labels.map { label in
            var text = label.0
            text.reserveCapacity(label.0.utf8.count + label.1.utf8.count + 3)
            text += "=\""
            text += escape(label.1)
            text += "\""
            return text
        }
        return Key(name: name, labels: rendered.count > 1 ? rendered.sorted() : rendered)
    }

    /// Label values escaped for the exposition format (most need nothing, and skip the work).
    static func escape(_ v: String) -> String {
        guard v.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 0x0A }) else { return v }
        return v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Adds `by` to a counter.
    public func increment(_ name: String, _ labels: [(String, String)] = [], by: Double = 1) {
        let k = Self.key(name, labels)
        lock.lock()
        counters[k, default: 0] += by
        lock.unlock()
    }

    /// Counts one answered HTTP request: `httpRequests` by route and status, and its duration
    /// in the `httpDuration` histogram by route.
    public func countHTTP(route: String, status: Int, seconds: Double) {
        lock.lock()
        http[route, default: HTTPRoute()].count(status, seconds: seconds)
        lock.unlock()
    }

    /// The counters and histograms with the HTTP ones merged in; call with `lock` held.
    private func merged() -> (counters: [Key: Double], histograms: [Key: Histogram]) {
        var counters = self.counters, histograms = self.histograms
        for (route, r) in http {
            for (status, n) in r.byStatus { counters[Self.key(Self.httpRequests, [("route", route), ("status", String(status))]), default: 0] += n }
            histograms[Self.key(Self.httpDuration, [("route", route)]), default: Histogram()].add(r.duration)
        }
        return (counters, histograms)
    }

    /// Records one observation in seconds.
    public func observe(_ name: String, _ labels: [(String, String)] = [], seconds: Double) {
        let k = Self.key(name, labels)
        lock.lock()
        // In place: a copy taken out of the dictionary and written back copied its buckets each time.
        histograms[k, default: Histogram()].record(seconds)
        lock.unlock()
    }

    /// The value of a counter (tests and healthz).
    public func value(_ name: String, _ labels: [(String, String)] = []) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return merged().counters[Self.key(name, labels)] ?? 0
    }

    /// A metric family supplied at scrape time by the owner of the value: a gauge (a level,
    /// such as the outbox depth) or a counter kept elsewhere (a total since start, such as
    /// the server's accepted connections, named `_total`).
    public struct Gauge: Sendable {
        public var name: String
        public var help: String
        /// `gauge` or `counter`.
        public var type: String
        public var samples: [(labels: [(String, String)], value: Double)]
        /// A gauge: a level that goes up and down.
        public init(_ name: String, help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            self.name = name
            self.help = help
            self.type = "gauge"
            self.samples = samples
        }
        /// A counter kept by its owner: a total since start; its name ends in `_total`.
        public init(counter name: String, help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            precondition(name.hasSuffix("_total"), "a counter's name ends in _total: \(name)")
            self.name = name
            self.help = help
            self.type = "counter"
            self.samples = samples
        }
    }

    /// The exposition text: the families given, then every counter and histogram kept here.
    /// A counter incremented without a description is still written (with a placeholder
    /// HELP), never left out.
    public func render(gauges: [Gauge]) -> String {
        var out = ""
        for g in gauges {
            out += "# HELP \(g.name) \(g.help)\n# TYPE \(g.name) \(g.type)\n"
            for s in g.samples { out += "\(Self.key(g.name, s.labels).rendered) \(Self.format(s.value))\n" }
        }
        lock.lock()
        let (counters, histograms) = merged()
        let help = self.help
        lock.unlock()
        var byName: [String: [(Key, Double)]] = [:]
        for (k, v) in counters { byName[k.name, default: []].append((k, v)) }
        let described = Set(help.filter { $0.value.type == "counter" }.keys)
        for name in described.union(byName.keys).sorted() {
            let h = help[name] ?? (type: "counter", text: "(not described)")
            out += "# HELP \(name) \(h.text)\n# TYPE \(name) counter\n"
            for (k, v) in (byName[name] ?? []).sorted(by: { $0.0 < $1.0 }) {
                out += "\(k.rendered) \(Self.format(v))\n"
            }
        }
        var headed = Set<String>()
        for (k, h) in histograms.sorted(by: { $0.key < $1.key }) {
            if headed.insert(k.name).inserted {
                out += "# HELP \(k.name) \(help[k.name]?.text ?? "(not described)")\n# TYPE \(k.name) histogram\n"
            }
            for (i, b) in Histogram.bounds.enumerated() {
                out += "\(Key(name: k.name + "_bucket", labels: (k.labels + ["le=\"\(Self.format(b))\""]).sorted()).rendered) \(Self.format(h.buckets[i]))\n"
            }
            out += "\(Key(name: k.name + "_bucket", labels: (k.labels + ["le=\"+Inf\""]).sorted()).rendered) \(Self.format(h.count))\n"
            out += "\(Key(name: k.name + "_sum", labels: k.labels).rendered) \(Self.format(h.sum))\n"
            out += "\(Key(name: k.name + "_count", labels: k.labels).rendered) \(Self.format(h.count))\n"
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v.rounded() == v, abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
