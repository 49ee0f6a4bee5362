/// Compact JSON written straight to bytes, member by member, for an answer that is built once
/// and sent: no value tree is allocated for it and walked again to serialize it. The output is
/// byte for byte what `JSONValue.serialized()` gives for the tree with the same members in the
/// same order (tested), so a view may be written either way.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Nothing has been written yet in the current array or object (or after a member's name):
    /// the next value takes no comma before it.
    private var first = true

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if first { first = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); first = true }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); first = false }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); first = true }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); first = false }

    /// A member's name; its value is what is written next.
    public mutating func key(_ name: String) {
        separate()
        JSONValue.writeString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        first = true
    }

    public mutating func string(_ s: String) { separate(); JSONValue.writeString(s, to: &bytes) }
    public mutating func bool(_ b: Bool) { separate(); bytes.append(contentsOf: (b ? "true" : "false").utf8) }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8) }
    /// An integer, as `JSONValue.number` writes one.
    public mutating func integer(_ n: Int64) {
        separate()
        // Digits written in place, as `String(n)` spells them (no string made for each number).
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, filled from the end
        withUnsafeMutableBytes(of: &digits) { buffer in
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[i...])
        }
    }
    /// A value already held as a tree, in its stored key order.
    public mutating func value(_ v: JSONValue) { separate(); v.write(to: &bytes, sortKeys: false) }

    /// A member's name known when the program is written: quoted, escaped and followed by its
    /// colon once, then copied in (a monitor's `GET /healthz` wrote eight names a request).
    public struct Key: Sendable {
        let bytes: [UInt8]
        public init(_ name: String) {
            var b: [UInt8] = []
            JSONValue.writeString(name, to: &b)
            b.append(UInt8(ascii: ":"))
            bytes = b
        }
    }

    public mutating func key(_ k: Key) {
        separate()
        bytes.append(contentsOf: k.bytes)
        first = true
    }

    public mutating func member(_ k: Key, _ s: String) { key(k); string(s) }
    public mutating func member(_ k: Key, integer n: Int64) { key(k); integer(n) }
    public mutating func member(_ k: Key, _ b: Bool) { key(k); bool(b) }
    public mutating func member(_ k: Key, _ v: JSONValue) { key(k); value(v) }
    public mutating func member(_ name: String, _ s: String) { key(name); string(s) }
    public mutating func member(_ name: String, _ b: Bool) { key(name); bool(b) }
    public mutating func member(_ name: String, integer n: Int64) { key(name); integer(n) }
    public mutating func member(_ name: String, _ v: JSONValue) { key(name); value(v) }
}
