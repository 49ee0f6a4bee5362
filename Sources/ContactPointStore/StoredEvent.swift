import ContactPointModel
import Sealing

/// An event to append to the log.
public struct NewEvent: Sendable, Hashable {
    /// UUID. An event that arrives from a partner keeps the partner's id, so a retried
    /// delivery is recognised and stored once.
    public var id: String
    public var requestID: String
    /// Position in the request's own history, from 0 (`submitted`).
    public var sequence: Int
    /// `submitted`, `delivered`, `acknowledged`, ... (`CaseEvent.type`).
    public var type: String
    /// Who: a certificate identity, or `pocd` for the daemon's own timer.
    public var actor: String
    /// When, in UTC.
    public var at: Instant
    public var payload: JSONValue

    public init(id: String, requestID: String, sequence: Int, type: String, actor: String, at: Instant, payload: JSONValue) {
        self.id = id
        self.requestID = requestID
        self.sequence = sequence
        self.type = type
        self.actor = actor
        self.at = at
        self.payload = payload
    }

    /// What the chain hashes for this event: every column a court would care about, in
    /// canonical JSON. Changing any of them breaks the chain from this event on.
    public var canonicalEnvelope: [UInt8] {
        canonicalEnvelope(payload: payload.canonicalBytes())
    }

    /// The canonical envelope around payload bytes already in canonical form (the store
    /// computes them once for both the hash and the column). Keys in byte order, as
    /// `JSONValue.canonicalBytes()` writes them.
    public func canonicalEnvelope(payload canonicalPayload: [UInt8]) -> [UInt8] {
        // Appended in place: it is built for every event written (Scripts/bench/instructions.sh).
        var out: [UInt8] = []
        out.reserveCapacity(canonicalPayload.count + 200)
        out.append(contentsOf: #"{"actor":"#.utf8)
        JSONValue.appendString(actor, to: &out)
        out.append(contentsOf: #","at":"#.utf8)
        JSONValue.appendString(at.rfc3339, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONValue.appendString(id, to: &out)
        out.append(contentsOf: #","payload":"#.utf8)
        out.append(contentsOf: canonicalPayload)
        out.append(contentsOf: #","request_id":"#.utf8)
        JSONValue.appendString(requestID, to: &out)
        out.append(contentsOf: #","sequence":"#.utf8)
        out.append(contentsOf: String(sequence).utf8)
        out.append(contentsOf: #","type":"#.utf8)
        JSONValue.appendString(type, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// An event as stored: its place in the global log and its link in the hash chain.
public struct StoredEvent: Sendable, Hashable {
    /// Position in the whole log, from 1, without gaps.
    public var position: Int64
    public var event: NewEvent
    /// The hash of the event before it (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over `previousHash` and the canonical envelope.
    public var hash: String

    public init(position: Int64, event: NewEvent, previousHash: String, hash: String) {
        self.position = position
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The event as history shows it.
    public var json: JSONValue {
        [
            "id": .string(event.id), "sequence": .number(Double(event.sequence)), "type": .string(event.type),
            "actor": .string(event.actor), "at": .string(event.at.rfc3339), "details": event.payload,
            "hash": .string(hash),
        ]
    }

    /// Writes `json` straight to `w`, byte for byte what `json.serialized()` gives (tested):
    /// each view's history is written without a tree per event.
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member(Self.keys.id, event.id)
        w.member(Self.keys.sequence, integer: Int64(event.sequence))
        w.member(Self.keys.type, event.type)
        w.member(Self.keys.actor, event.actor)
        w.member(Self.keys.at, event.at.rfc3339)
        w.member(Self.keys.details, event.payload)
        w.member(Self.keys.hash, hash)
        w.endObject()
    }

    private static let keys = (
        id: JSONWriter.Key("id"), sequence: JSONWriter.Key("sequence"), type: JSONWriter.Key("type"), actor: JSONWriter.Key("actor"),
        at: JSONWriter.Key("at"), details: JSONWriter.Key("details"), hash: JSONWriter.Key("hash"))
}

/// The hash chain's rule, in one place: SHA-256 over the previous hash (its 64 hex
/// characters) followed by the canonical envelope of the event.
public enum HashChain {
    /// The previous hash of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(previous: String, envelope: [UInt8]) -> String {
        SHA256.hex(concatenating: [Array(previous.utf8), envelope])
    }
}

/// A message waiting to go out (to a partner daemon, a webhook, an Alertmanager),
/// written in the same transaction as the event that caused it.
public struct OutboxMessage: Sendable, Hashable {
    /// Where it goes: a partner's contact point code, or a receiver name from the config.
    public var destination: String
    /// What it is: `partner-event`, `webhook`, `alertmanager`.
    public var kind: String
    public var body: [UInt8]
    /// The event that caused it, if any.
    public var eventID: String?

    public init(destination: String, kind: String, body: [UInt8], eventID: String? = nil) {
        self.destination = destination
        self.kind = kind
        self.body = body
        self.eventID = eventID
    }
}

/// An outbox message with its delivery bookkeeping.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var message: OutboxMessage
    public var createdAt: Instant
    public var attempts: Int
    public var nextAttemptAt: Instant
    public var lastError: String?
    /// When a receiver refused it for good (a 4xx other than 408 and 429): no more attempts
    /// until a supervisor retries or drops it.
    public var parkedAt: Instant?
    public var deliveredAt: Instant?
    /// When a supervisor dropped it.
    public var droppedAt: Instant?
    /// Who retried or dropped it, and why.
    public var resolution: String?

    /// `waiting`, `parked`, `delivered` or `dropped`.
    public var state: String {
        if deliveredAt != nil { return "delivered" }
        if droppedAt != nil { return "dropped" }
        if parkedAt != nil { return "parked" }
        return "waiting"
    }
}

/// A change to an outbox entry's delivery state.
public enum OutboxUpdate: Sendable, Hashable {
    /// Accepted by the receiver: never sent again.
    case delivered(id: Int64, at: Instant)
    /// Failed for now (a network error, a 5xx, 408 or 429); try again at `retryAt`.
    case failed(id: Int64, error: String, retryAt: Instant)
    /// Refused for good (another 4xx): parked until a supervisor acts.
    case parked(id: Int64, error: String, at: Instant)
    /// A supervisor sends a parked message again, now.
    case retried(id: Int64, at: Instant, by: String, reason: String)
    /// A supervisor gives up on a parked message: it is never sent.
    case dropped(id: Int64, at: Instant, by: String, reason: String)
}

/// Everything one caller needs committed atomically: events, the messages they cause,
/// and outbox bookkeeping.
public struct WriteBatch: Sendable {
    public var events: [NewEvent]
    public var outbox: [OutboxMessage]
    public var outboxUpdates: [OutboxUpdate]
    /// The state of each request these events touch, after them (the projection).
    /// A batch with events and no snapshots marks the projection stale: the next start replays the log.
    public var snapshots: [CaseRecord.Snapshot]
    /// The projection rows `snapshots` replace (none for a new request), so the store can
    /// keep the projection's digest current without reading them back.
    public var replacedSnapshots: [CaseRecord.Snapshot]
    /// Replace the whole projection with `snapshots` (after a full replay).
    public var replacesProjection: Bool
    /// Signed checkpoints issued, cosignatures received, and what this daemon witnessed of
    /// its partners' logs (docs/audit.md), durable with the rest of the batch.
    public var audit = AuditRecords()
    /// The wrapped data keys of the events' sealed content (docs/privacy.md).
    public var dataKeys: [WrappedDataKey] = []
    /// Requests whose content this batch erases: their data keys are deleted, and the WAL is
    /// wiped before the batch is reported durable.
    public var erasedRequests: [String] = []
    /// PostgreSQL: the backend PID of the session that must hold the leadership lock for
    /// this batch to commit (escalations, reminders, expiries fired by the leader); nil for
    /// writes any daemon may make.
    public var leaderSession: Int32?

    public init(events: [NewEvent] = [], outbox: [OutboxMessage] = [], outboxUpdates: [OutboxUpdate] = [],
                snapshots: [CaseRecord.Snapshot] = [], replacedSnapshots: [CaseRecord.Snapshot] = [],
                replacesProjection: Bool = false) {
        self.events = events
        self.outbox = outbox
        self.outboxUpdates = outboxUpdates
        self.snapshots = snapshots
        self.replacedSnapshots = replacedSnapshots
        self.replacesProjection = replacesProjection
    }
}

/// What became of a batch.
public enum AppendOutcome: Sendable {
    /// Durable: committed and fsynced.
    case stored([StoredEvent])
    /// The batch's first event id was already in the log; nothing was written.
    case duplicate(eventID: String)
}
