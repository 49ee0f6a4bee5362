import ContactPointModel
import Dispatch
import Foundation
import HTTP1

/// Recent alerts and the live subscribers of `GET /v1/alerts/stream`.
///
/// Keeps the last `capacity` alerts in memory (rebuilt from the log on start), so a client
/// that reconnects with `Last-Event-ID` gets everything it missed. Publishing never blocks:
/// a subscriber's stream buffers, and a subscriber too slow to read is cut off by the
/// HTTP layer's write limits.
public final class AlertHub: @unchecked Sendable {  // all state is owned by `queue`
    private let queue = DispatchQueue(label: "contactpoint.alerts")
    private var recent: [Alert] = []
    private let capacity: Int
    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriber = 0
    private var heartbeat: DispatchSourceTimer?

    struct Subscriber {
        var stream: HTTPStream
        var filter: @Sendable (Alert) -> Bool
        /// The language its alerts' summaries are written in (the stream's `Accept-Language`).
        var language: Language
        /// The zone their times are shown in (`?tz=`; nil: UTC).
        var timeZone: TimeZone?
        var readerKey: String { language.rawValue + " " + (timeZone?.identifier ?? "UTC") }
    }

    public init(capacity: Int = 10_000, heartbeatInterval: TimeInterval = 15) {
        self.capacity = capacity
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + heartbeatInterval, repeating: heartbeatInterval)
        timer.setEventHandler { [weak self] in self?.sendHeartbeat() }
        timer.resume()
        heartbeat = timer
    }

    deinit { heartbeat?.cancel() }

    /// Records an alert and sends it to every subscriber whose filter accepts it.
    /// Alerts are published from the Desk's queue, so they go out in log order.
    public func publish(_ alert: Alert) {
        queue.async {
            self.append(alert)
            var frames: [String: [UInt8]] = [:]  // each language and zone's frame made once
            for s in self.subscribers.values where s.filter(alert) {
                let key = s.readerKey
                if frames[key] == nil { frames[key] = Self.frame(alert, s.language, s.timeZone) }
                s.stream.send(frames[key]!)
            }
        }
    }

    /// Adds an alert rebuilt from the log at start, without sending it.
    func restore(_ alert: Alert) {
        queue.async { self.append(alert) }
    }

    private func append(_ alert: Alert) {
        dispatchPrecondition(condition: .onQueue(queue))
        recent.append(alert)
        if recent.count > capacity + capacity / 4 { recent.removeFirst(recent.count - capacity) }
    }

    /// Alerts newest first, those the filter accepts, at or after `since`.
    public func list(since: Instant?, limit: Int, filter: (Alert) -> Bool) -> [Alert] {
        queue.sync {
            var out: [Alert] = []
            for a in recent.reversed() where filter(a) && (since.map { a.at >= $0 } ?? true) {
                out.append(a)
                if out.count == limit { break }
            }
            return out
        }
    }

    /// Sends every kept alert after `lastEventID` that the filter accepts, then follows live.
    public func subscribe(_ stream: HTTPStream, after lastEventID: Int64?, language: Language = .en, timeZone: TimeZone? = nil,
                          filter: @escaping @Sendable (Alert) -> Bool) {
        queue.async {
            stream.send(Array("retry: 2000\n\n".utf8))
            if let lastEventID {
                for a in self.recent where a.id > lastEventID && filter(a) { stream.send(Self.frame(a, language, timeZone)) }
            }
            let key = self.nextSubscriber
            self.nextSubscriber += 1
            self.subscribers[key] = Subscriber(stream: stream, filter: filter, language: language, timeZone: timeZone)
            stream.onClose { [weak self] in self?.unsubscribe(key) }
        }
    }

    private func unsubscribe(_ key: Int) {
        queue.async { self.subscribers[key] = nil }
    }

    /// How many streams are open.
    public var subscriberCount: Int { queue.sync { subscribers.count } }

    /// Ends every stream (shutdown).
    public func closeAll() {
        queue.sync {
            subscribers.values.forEach { $0.stream.finish() }
            subscribers.removeAll()
        }
    }

    private func sendHeartbeat() {
        dispatchPrecondition(condition: .onQueue(queue))
        let ping = Array(": keep-alive\n\n".utf8)
        for s in subscribers.values { s.stream.send(ping) }
    }

    /// One Server-Sent Events frame: `id`, `event: alert`, and the alert as one line of JSON.
    static func frame(_ alert: Alert, _ language: Language = .en, _ timeZone: TimeZone? = nil) -> [UInt8] {
        var bytes = Array("id: \(alert.id)\nevent: alert\ndata: ".utf8)
        bytes += alert.json(language, timeZone: timeZone).serialized()
        bytes += Array("\n\n".utf8)
        return bytes
    }
}
