/// A data key wrapped by a master key, as the store keeps it: one per event that carries
/// content, so destroying a request's rows destroys every key of that request.
public struct WrappedDataKey: Sendable, Hashable {
    /// The event whose content this key seals (and the outbox messages that event caused).
    public var eventID: String
    public var requestID: String
    /// The master key that wraps it.
    public var masterKeyID: String
    /// `nonce ‖ AES-256-GCM(master key, data key) ‖ tag`.
    public var wrapped: [UInt8]

    public init(eventID: String, requestID: String, masterKeyID: String, wrapped: [UInt8]) {
        self.eventID = eventID
        self.requestID = requestID
        self.masterKeyID = masterKeyID
        self.wrapped = wrapped
    }
}

/// The master keys in force: the newest wraps new data keys, every one unwraps what it
/// wrapped. Immutable, so any queue may use it.
public struct Vault: Sendable {
    /// In the order `pocd.yaml` lists them; the last is the newest.
    public let keys: [MasterKey]

    public init(keys: [MasterKey]) {
        precondition(!keys.isEmpty, "a vault needs a master key")
        self.keys = keys
    }

    public var newest: MasterKey { keys[keys.count - 1] }

    /// A vault with one random key held only in memory, for tests of the Desk alone.
    public static func ephemeral(id: String = "ephemeral") -> Vault {
        Vault(keys: [MasterKey(id: id, file: "(memory)", bytes: AESGCM.randomBytes(AESGCM.keySize))])
    }

    public func key(_ id: String) -> MasterKey? { keys.first { $0.id == id } }

    /// A fresh data key for the content of event `eventID` of request `requestID`, and its wrapped form.
    public func newDataKey(eventID: String, requestID: String) -> (key: [UInt8], wrapped: WrappedDataKey) {
        let dataKey = AESGCM.randomBytes(AESGCM.keySize)
        return (dataKey, wrap(dataKey, eventID: eventID, requestID: requestID, under: newest))
    }

    /// The data key, or nil if no master key in force wrapped it (or the row was altered).
    public func unwrap(_ w: WrappedDataKey) -> [UInt8]? {
        guard let master = key(w.masterKeyID) else { return nil }
        return AESGCM.open(w.wrapped, key: master.bytes, aad: Self.wrapAAD(eventID: w.eventID, requestID: w.requestID, master: master.id))
    }

    /// The same data key, wrapped by the newest master key (`pocd keys rotate`).
    public func rewrap(_ w: WrappedDataKey) -> WrappedDataKey? {
        guard let dataKey = unwrap(w) else { return nil }
        return wrap(dataKey, eventID: w.eventID, requestID: w.requestID, under: newest)
    }

    private func wrap(_ dataKey: [UInt8], eventID: String, requestID: String, under master: MasterKey) -> WrappedDataKey {
        WrappedDataKey(eventID: eventID, requestID: requestID, masterKeyID: master.id,
                       wrapped: AESGCM.seal(dataKey, key: master.bytes, aad: Self.wrapAAD(eventID: eventID, requestID: requestID, master: master.id)))
    }

    /// Binds a wrapped key to its event, request and master key: a row moved to another
    /// request does not unwrap.
    static func wrapAAD(eventID: String, requestID: String, master: String) -> [UInt8] {
        Array("contactpoint data key\u{0}\(master)\u{0}\(requestID)\u{0}\(eventID)".utf8)
    }
}
