import ContactPointModel

/// What `pocd audit verify` found.
public struct ChainVerification: Sendable, CustomStringConvertible {
    /// Events walked (up to and including the first broken one).
    public var count: Int64
    /// The first event that breaks the chain, if any.
    public var firstBroken: Broken?

    /// An event that does not match the chain, and why.
    public struct Broken: Sendable {
        public var position: Int64
        public var eventID: String
        public var requestID: String
        public var reason: String
    }

    public var isIntact: Bool { firstBroken == nil }

    /// `1234 events OK`, or the first broken event.
    public var description: String {
        guard let b = firstBroken else { return "\(count) events OK" }
        return "BROKEN at event \(b.position) (id \(b.eventID), request \(b.requestID)): \(b.reason)"
    }
}

extension EventStore {
    /// Walks the whole chain, recomputing each hash from the stored columns, and stops at
    /// the first event whose position, previous hash, payload or hash does not match.
    public func verifyChain() throws -> ChainVerification {
        var count: Int64 = 0
        var previous = HashChain.genesis
        var broken: ChainVerification.Broken?
        struct Stop: Error {}
        do {
            try forEachEvent { stored, raw in
                count += 1
                func fail(_ reason: String) throws {
                    broken = .init(position: stored.position, eventID: stored.event.id, requestID: stored.event.requestID, reason: reason)
                    throw Stop()
                }
                if stored.position != count {
                    try fail("expected position \(count): event(s) before it are missing")
                }
                guard let payload = try? JSONParser.parse(raw) else {
                    try fail("its payload is not valid JSON")
                    return
                }
                if payload.canonicalBytes() != raw {
                    try fail("its payload is not in canonical form: it was edited")
                }
                if stored.previousHash != previous {
                    try fail("its previous hash does not match the hash of event \(count - 1)")
                }
                var event = stored.event
                event.payload = payload
                let expected = HashChain.hash(previous: previous, envelope: event.canonicalEnvelope)
                if expected != stored.hash {
                    try fail("its content does not match its hash: it was changed after it was written")
                }
                previous = stored.hash
            }
        } catch is Stop {}
        return ChainVerification(count: count, firstBroken: broken)
    }
}
