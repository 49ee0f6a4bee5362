/// A `CaseRecord` as flat columns, for the store's projection table: restarting with a
/// million open requests reads one row each instead of replaying and re-validating every
/// event. The projection is derived data; the event log stays the truth.
extension CaseRecord {
    public struct Snapshot: Sendable {
        public var id: RequestID
        public var reference: String
        public var from: UInt16
        public var to: UInt16
        public var kind: String
        public var priority: String
        public var state: String
        public var eventCount: Int64
        /// submitted, delivered, acknowledged, risk-notified, proceeded, preserved, expires,
        /// expiry-set, mla-linked, ended (milliseconds; Int64.min for "not yet").
        /// Held inline, as `levels` are: a start reading a million rows allocates no arrays for them.
        public var times: InlineArray<10, Int64>
        /// deliver, acknowledge, preserve, answer-risk.
        public var levels: InlineArray<4, Int64>
        public var reminderExpires: Int64
        public var reminderBefore: Int64
        /// When the content was erased (milliseconds; Int64.min for "not erased").
        public var erasedAt: Int64
        /// The offence's convention articles (`ConventionArticles.rawValue`; 0 for none).
        public var articles: Int64

        public init(id: RequestID, reference: String, from: UInt16, to: UInt16, kind: String, priority: String, state: String,
                    eventCount: Int64, times: InlineArray<10, Int64>, levels: InlineArray<4, Int64>, reminderExpires: Int64, reminderBefore: Int64,
                    erasedAt: Int64 = Int64.min, articles: Int64 = 0) {
            self.id = id
            self.reference = reference
            self.from = from
            self.to = to
            self.kind = kind
            self.priority = priority
            self.state = state
            self.eventCount = eventCount
            self.times = times
            self.levels = levels
            self.reminderExpires = reminderExpires
            self.reminderBefore = reminderBefore
            self.erasedAt = erasedAt
            self.articles = articles
        }
    }

    /// The record's columns.
    public var snapshot: Snapshot {
        let t = lifecycle.times
        return Snapshot(
            id: key, reference: reference, from: from.packed, to: to.packed, kind: kind.rawValue, priority: priority.rawValue,
            state: lifecycle.state.rawValue, eventCount: Int64(eventCount),
            times: [lifecycle.submittedAt.millisecondsSince1970, t.delivered, t.acknowledged, t.riskNotified, t.proceeded,
                    t.preserved, t.expires, t.expirySet, t.mlaLinked, t.ended],
            levels: [Int64(escalations[.deliver] ?? 0), Int64(escalations[.acknowledge] ?? 0), Int64(escalations[.preserve] ?? 0),
                     Int64(escalations[.answerRisk] ?? 0)],
            reminderExpires: lastReminder?.expiresAt.millisecondsSince1970 ?? Int64.min,
            reminderBefore: lastReminder?.before.seconds ?? 0,
            erasedAt: contentErasedAt?.millisecondsSince1970 ?? Int64.min, articles: Int64(articles.rawValue))
    }

    /// The deadline kinds of the `levels` columns, in order.
    static let levelKinds: [DeadlineKind] = [.deliver, .acknowledge, .preserve, .answerRisk]

    /// A record from its columns; nil if they do not describe one.
    public init?(snapshot s: Snapshot) {
        guard let from = CountryCode(packed: s.from), let to = CountryCode(packed: s.to),
              let kind = RequestKind.matching(s.kind), let priority = Priority.matching(s.priority),
              let state = RequestState.matching(s.state),
              let eventCount = Int32(exactly: s.eventCount)
        else { return nil }
        storedEventCount = eventCount
        key = s.id
        reference = s.reference
        self.from = from
        self.to = to
        self.kind = kind
        self.priority = priority
        guard (0...Int64(UInt32.max)).contains(s.articles) else { return nil }
        articles = ConventionArticles(rawValue: UInt32(s.articles))
        var l = Lifecycle(submittedAt: Instant(millisecondsSince1970: s.times[0]))
        l.restore(state: state, times: Lifecycle.Times(
            delivered: s.times[1], acknowledged: s.times[2], riskNotified: s.times[3], proceeded: s.times[4], preserved: s.times[5],
            expires: s.times[6], expirySet: s.times[7], mlaLinked: s.times[8], ended: s.times[9]))
        lifecycle = l
        for i in 0..<4 where s.levels[i] > 0 {
            escalations[Self.levelKinds[i]] = Int(s.levels[i])
        }
        reminderExpires = s.reminderExpires
        reminderBefore = s.reminderExpires == Int64.min ? 0 : s.reminderBefore
        erasedAt = s.erasedAt
    }
}

extension Lifecycle {
    mutating func restore(state: RequestState, times: Times) {
        self.state = state
        self.times = times
    }
}

extension CaseRecord.Snapshot: Hashable {
    // InlineArray is neither Equatable nor Hashable: the two fixed rows are compared and
    // hashed element by element, with every other field.
    public static func == (a: Self, b: Self) -> Bool {
        guard a.id == b.id, a.reference == b.reference, a.from == b.from, a.to == b.to, a.kind == b.kind,
              a.priority == b.priority, a.state == b.state, a.eventCount == b.eventCount,
              a.reminderExpires == b.reminderExpires, a.reminderBefore == b.reminderBefore,
              a.erasedAt == b.erasedAt, a.articles == b.articles
        else { return false }
        for i in a.times.indices where a.times[i] != b.times[i] { return false }
        for i in a.levels.indices where a.levels[i] != b.levels[i] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(reference)
        hasher.combine(state)
        hasher.combine(eventCount)
        for i in times.indices { hasher.combine(times[i]) }
        for i in levels.indices { hasher.combine(levels[i]) }
    }
}

extension CaseRecord.Snapshot {
    /// The row's bytes in one fixed layout, for the projection's digest: integers big-endian
    /// (8 bytes; 2 for country codes), texts as a 4-byte length and their UTF-8.
    public var canonicalBytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: canonicalCount) { buffer, initialized in
            initialized = writeCanonicalBytes(to: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// How many bytes `canonicalBytes` has.
    public var canonicalCount: Int {
        let textBytes = reference.utf8.count + kind.utf8.count + priority.utf8.count + state.utf8.count
        return 16 + 4 + 4 * 4 + textBytes + 8 + 8 + 8 * times.count + 8 + 8 * levels.count + 16
            + (articles != 0 ? 16 : erasedAt != Int64.min ? 8 : 0)
    }

    /// Writes `canonicalBytes` to the start of `raw` (at least `canonicalCount` long) and
    /// returns their count: the projection's digest hashes a million of these at every start,
    /// each written into the same buffer.
    public func writeCanonicalBytes(to raw: UnsafeMutableRawBufferPointer) -> Int {
        let count = canonicalCount
        precondition(raw.count >= count, "a buffer for the snapshot's canonical bytes")
        var at = 0
        func int(_ v: Int64) {
            raw.storeBytes(of: v.bigEndian, toByteOffset: at, as: Int64.self)
            at += 8
        }
        func int16(_ v: UInt16) {
            raw.storeBytes(of: v.bigEndian, toByteOffset: at, as: UInt16.self)
            at += 2
        }
        func text(_ s: String) {
            var s = s
            s.withUTF8 { utf8 in
                raw.storeBytes(of: UInt32(utf8.count).bigEndian, toByteOffset: at, as: UInt32.self)
                at += 4
                UnsafeMutableRawBufferPointer(rebasing: raw[at..<(at + utf8.count)]).copyMemory(from: UnsafeRawBufferPointer(utf8))
                at += utf8.count
            }
        }
        int(Int64(bitPattern: id.high))
        int(Int64(bitPattern: id.low))
        text(reference)
        int16(from)
        int16(to)
        text(kind)
        text(priority)
        text(state)
        int(eventCount)
        int(Int64(times.count))
        for i in times.indices { int(times[i]) }
        int(Int64(levels.count))
        for i in levels.indices { int(levels[i]) }
        int(reminderExpires)
        int(reminderBefore)
        // Absent when unset, so rows written before these columns keep their digest; the
        // articles come after an erasure time (Int64.min if none), so lengths 0, 8 and 16 differ.
        if articles != 0 {
            int(erasedAt)
            int(articles)
        } else if erasedAt != Int64.min {
            int(erasedAt)
        }
        precondition(at == count, "the snapshot's canonical size")
        return at
    }
}

/// The case of a raw value, compared case by case against a table made once: a start reads
/// three of these per row, and the synthesized `init(rawValue:)`'s string switch showed at a
/// million rows. Equal short strings compare by their bits.
protocol RawValueTable: RawRepresentable<String>, CaseIterable {
    static var rawValueTable: [(String, Self)] { get }
}

extension RawValueTable {
    static func matching(_ raw: String) -> Self? {
        for (value, c) in rawValueTable where value == raw { return c }
        return nil
    }
}

extension RequestState: RawValueTable {
    static let rawValueTable = allCases.map { ($0.rawValue, $0) }
}

extension RequestKind: RawValueTable {
    static let rawValueTable = allCases.map { ($0.rawValue, $0) }
}

extension Priority: RawValueTable {
    static let rawValueTable = allCases.map { ($0.rawValue, $0) }
}
