import ContactPointModel
import Foundation

/// An outbox message's body sealed under the data key of the event that caused it: a
/// request or an action's event waiting for a partner daemon stays sealed in the outbox
/// table, and is opened only to be sent (over mutual TLS). Once the request is erased it
/// cannot be opened, and is never sent.
///
/// Stored as `{"request_id": R, "event_id": E, "sealed": base64(AESGCM.seal(body, key, aad: R))}`.
public struct SealedBody: Sendable, Hashable {
    public var requestID: String
    public var eventID: String
    public var box: [UInt8]

    /// The stored form of `body` sealed under `key`.
    public static func seal(_ body: [UInt8], requestID: String, eventID: String, key: [UInt8]) -> [UInt8] {
        let box = AESGCM.seal(body, key: key, aad: Array(requestID.utf8))
        let o: JSONValue = ["request_id": .string(requestID), "event_id": .string(eventID),
                            "sealed": .string(Data(box).base64EncodedString())]
        return o.serialized()
    }

    /// The sealed body `bytes` hold, or nil if they are a plain body.
    public init?(_ bytes: [UInt8]) {
        guard bytes.first == UInt8(ascii: "{"), let o = (try? JSONParser.parse(bytes))?.objectValue, o.count == 3,
              let r = o["request_id"]?.stringValue, let e = o["event_id"]?.stringValue,
              let s = o["sealed"]?.stringValue, let box = Data(base64Encoded: s)
        else { return nil }
        requestID = r
        eventID = e
        self.box = Array(box)
    }

    /// The body, or nil if `key` is not the one it was sealed with.
    public func open(key: [UInt8]) -> [UInt8]? { AESGCM.open(box, key: key, aad: Array(requestID.utf8)) }
}
