import ContactPointModel
import Dispatch
import Logging

/// One set of deadlines on both sides of a request (docs/api.md, "Federation"): a forwarded
/// request carries its submit time, and each partner's receipt tells how far its clock is
/// from this one.
extension OutboxWorker {
    /// The header that carries a forwarded request's submit time, so that the requested side
    /// counts its deadlines from the same instant.
    static let submittedAtHeader = "ContactPoint-Submitted-At"

    /// How far apart two daemons' clocks may be before it is reported (the receipt time a
    /// partner records must fall within the round trip, give or take this).
    static let clockSkewBound = PolicyDuration.seconds(2)

    /// Compares the partner's receipt time (its `delivered` event in its answer) with the
    /// round trip's on this clock: an offset beyond `clockSkewBound` is logged, every offset
    /// is a gauge. Both receipt times stay in the two logs.
    func measureClock(of destination: String, sentAt: Instant, answer: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = clock.now()
        guard let view = try? JSONParser.parse(answer),
              let receipt = view["history"]?.arrayValue?.first(where: { $0["type"] == "delivered" }),
              let theirs = receipt["at"]?.stringValue.flatMap(Instant.init(rfc3339:)) else { return }
        let middle = Instant(millisecondsSince1970: (sentAt.millisecondsSince1970 + now.millisecondsSince1970) / 2)
        let offset = Double(theirs.milliseconds(since: middle)) / 1000
        clockOffsets[destination] = offset
        let slack = Double(now.milliseconds(since: sentAt)) / 2000 + Double(Self.clockSkewBound.seconds)
        if abs(offset) > slack {
            log.warning("a partner daemon's clock is off", metadata: [
                "partner": "\(destination)", "offset_seconds": "\(offset)", "bound_seconds": "\(Self.clockSkewBound.seconds)",
                "their_receipt": "\(theirs.rfc3339)", "sent": "\(sentAt.rfc3339)", "answered": "\(now.rfc3339)"])
        }
    }

    /// Each partner's last measured offset, for /metrics.
    static func clockOffsetGauge(_ offsets: [String: Double]) -> Metrics.Gauge {
        Metrics.Gauge("contactpoint_partner_clock_offset_seconds",
                      help: "A partner daemon's clock minus this one's, from its last receipt (its receipt time against the middle of the round trip)",
                      offsets.sorted { $0.key < $1.key }.map { ([("partner", $0.key)], $0.value) })
    }
}
