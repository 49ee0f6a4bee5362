import ContactPointModel
import Dispatch
import Foundation
import HTTP1

/// One Server-Sent Event.
public struct ServerSentEvent: Sendable, Hashable {
    public var id: String?
    public var event: String
    public var data: String
}

/// An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it
/// bytes as they arrive, get events when their blank line comes.
public struct ServerSentEventParser: Sendable {
    private var buffer: [UInt8] = []
    private var id: String?
    private var event = ""
    private var data: [String] = []
    /// The last `id:` seen, to resume with `Last-Event-ID`.
    public private(set) var lastEventID: String?

    public init() {}

    public mutating func feed(_ bytes: [UInt8]) -> [ServerSentEvent] {
        buffer += bytes
        var out: [ServerSentEvent] = []
        while let nl = buffer.firstIndex(of: 0x0A) {
            var line = Array(buffer[..<nl])
            buffer.removeFirst(nl + 1)
            if line.last == 0x0D { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            if text.isEmpty {
                if !data.isEmpty {
                    out.append(ServerSentEvent(id: id, event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n")))
                    if let id { lastEventID = id }
                }
                id = nil
                event = ""
                data = []
                continue
            }
            if text.hasPrefix(":") { continue }
            let (field, value): (Substring, Substring)
            if let colon = text.firstIndex(of: ":") {
                field = text[..<colon]
                var v = text[text.index(after: colon)...]
                if v.hasPrefix(" ") { v = v.dropFirst() }
                value = v
            } else {
                (field, value) = (Substring(text), "")
            }
            switch field {
            case "id": id = String(value)
            case "event": event = String(value)
            case "data": data.append(String(value))
            default: break
            }
        }
        return out
    }
}

extension ContactPointClient {
    /// Follows `GET /v1/alerts/stream`, calling `onAlert` for each alert. When the stream
    /// ends (the daemon restarted, the network dropped) it reconnects with `Last-Event-ID`,
    /// backing off from 1 to 10 seconds, so no alert is missed. `onState` reports
    /// connection changes. Returns a handle whose `cancel()` stops it.
    public func watch(after lastEventID: String? = nil, onAlert: @escaping @Sendable (JSONValue, String?) -> Void,
                      onState: @escaping @Sendable (String) -> Void) -> AlertWatch {
        let watch = AlertWatch(client: self, lastEventID: lastEventID, onAlert: onAlert, onState: onState)
        watch.connect()
        return watch
    }
}

/// A running `watch`.
public final class AlertWatch: @unchecked Sendable {  // all state is owned by `queue`
    let queue = DispatchQueue(label: "contactpoint.client.watch")
    let client: ContactPointClient
    var lastEventID: String?
    var parser = ServerSentEventParser()
    var handle: HTTPClientStreamHandle?
    var cancelled = false
    var backoff = 1.0
    /// When the stream last delivered a byte (alerts, or the daemon's 15-second keep-alives).
    var lastData = DispatchTime.now()
    var watchdog: DispatchSourceTimer?
    /// Silence longer than this (three keep-alives) means the connection is dead without a
    /// close (a partition, a host gone): reconnect rather than wait forever on the read.
    static let silenceLimit = 45.0
    let onAlert: @Sendable (JSONValue, String?) -> Void
    let onState: @Sendable (String) -> Void

    init(client: ContactPointClient, lastEventID: String?, onAlert: @escaping @Sendable (JSONValue, String?) -> Void,
         onState: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.lastEventID = lastEventID
        self.onAlert = onAlert
        self.onState = onState
    }

    func connect() {
        queue.async { [self] in
            guard !cancelled else { return }
            startWatchdog()
            lastData = .now()
            parser = ServerSentEventParser()
            var headers = HTTPHeaders([("Accept", "text/event-stream"), ("Accept-Language", client.settings.language.rawValue)])
            if let lastEventID { headers.add(name: "Last-Event-ID", value: lastEventID) }
            handle = client.http.stream(method: "GET", path: "/v1/alerts/stream" + ContactPointClient.query(client.settings.timeZoneQuery), headers: headers, onResponse: { [self] status, _ in
                queue.async { [self] in
                    if status == 200 {
                        backoff = 1
                        say(lastEventID.map { Message("poc.watch.resumed", ["server": .verbatim(client.currentServer), "id": .verbatim($0)]) }
                            ?? Message("poc.watch.connected", ["server": .verbatim(client.currentServer)]))
                    } else {
                        say(Message("poc.watch.refused", ["status": .verbatim(String(status))]))
                    }
                }
            }, onData: { [self] bytes in
                queue.async { [self] in
                    lastData = .now()
                    for e in parser.feed(bytes) where e.event == "alert" {
                        if let id = e.id { lastEventID = id }
                        if let json = try? JSONParser.parse(e.data) { onAlert(json, e.id) }
                    }
                }
            }, onEnd: { [self] error in
                queue.async { [self] in
                    guard !cancelled else { return }
                    let why = error.map { ContactPointClient.map($0, server: client.currentServer).message } ?? Message("poc.watch.ended")
                    if case .connect = error { client.rotate() }  // the other daemon of a pair, if there is one
                    say(Message("poc.watch.reconnecting", ["why": why, "duration": Message.duration(seconds: Int64(backoff))]))
                    let delay = backoff
                    backoff = min(backoff * 2, 10)
                    queue.asyncAfter(deadline: .now() + delay) { [self] in connect() }
                }
            })
        }
    }

    /// Reports a connection change in the client's language.
    private func say(_ message: Message) { onState(message.render(client.settings.language)) }

    private func startWatchdog() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard watchdog == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 5, repeating: 5)
        timer.setEventHandler { [weak self] in
            guard let self, !self.cancelled, let handle = self.handle, !handle.isEnded,
                  DispatchTime.now().uptimeNanoseconds - self.lastData.uptimeNanoseconds > UInt64(Self.silenceLimit * 1e9)
            else { return }
            self.lastData = .now()
            self.say(Message("poc.watch.silent", ["server": .verbatim(self.client.currentServer),
                                                  "duration": Message.duration(seconds: Int64(Self.silenceLimit))]))
            handle.cancel()  // its end reconnects, with Last-Event-ID
        }
        timer.resume()
        watchdog = timer
    }

    /// Stops following.
    public func cancel() {
        queue.sync {
            cancelled = true
            handle?.cancel()
            watchdog?.cancel()
            watchdog = nil
        }
    }

    /// The last alert id received.
    public var lastID: String? { queue.sync { lastEventID } }
}
