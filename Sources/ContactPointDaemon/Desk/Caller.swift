import ContactPointModel

/// Who is asking: the certificate identity and what the directory says it may act as.
public struct Caller: Sendable, Hashable {
    public var identity: String
    public var principals: [Directory.Principal]

    public init(identity: String, principals: [Directory.Principal]) {
        self.identity = identity
        self.principals = principals
    }

    /// Contact points this caller works for as an officer or supervisor.
    public var peopleCodes: Set<CountryCode> {
        Set(principals.filter { $0.role != .daemon }.map(\.contactPoint))
    }

    /// Contact points this caller speaks for as a partner daemon.
    public var daemonCodes: Set<CountryCode> {
        Set(principals.filter { $0.role == .daemon }.map(\.contactPoint))
    }

    public func has(_ role: Directory.Role) -> Bool { principals.contains { $0.role == role } }

    /// Every contact point the caller acts for, in any role.
    public var codes: Set<CountryCode> { Set(principals.map(\.contactPoint)) }

    /// The sides of `record` this caller acts for.
    func sides(in record: CaseRecord) -> Set<Side> {
        var sides = Set<Side>()
        if codes.contains(record.from) { sides.insert(.requesting) }
        if codes.contains(record.to) { sides.insert(.requested) }
        return sides
    }

    /// Whether the caller may read `record`: it acts for one of its parties.
    func mayRead(_ record: CaseRecord) -> Bool { !sides(in: record).isEmpty }
}
