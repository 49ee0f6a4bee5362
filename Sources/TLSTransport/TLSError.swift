/// Why a TLS context could not be made: one line that names the file and the reason,
/// fit to be printed as a daemon's exit reason, e.g.
/// `cannot read private key pki/x.key: No such file or directory`.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file at fault, when one is (certificate, key, CA bundle or CRL).
    public var file: String?
    /// The whole one-line message.
    public var description: String

    /// Creates an error from its one-line message.
    public init(file: String? = nil, _ description: String) {
        self.file = file
        self.description = description
    }
}

/// Why a listening socket could not be opened: one line, e.g.
/// `cannot listen on 127.0.0.1:8443: Address already in use`.
public struct ListenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The address as the operator wrote it (`127.0.0.1:8443`, `[::1]:8443`).
    public var address: String
    /// The system's reason (`Address already in use`, `Permission denied`, ...).
    public var reason: String

    /// Creates an error for `address` failing for `reason`.
    public init(address: String, reason: String) {
        self.address = address
        self.reason = reason
    }

    /// `cannot listen on ADDRESS: REASON`.
    public var description: String { "cannot listen on \(address): \(reason)" }
}
