/// The lowest TLS protocol version a context accepts.
///
/// TLS 1.3 is the default everywhere; 1.2 exists only for partners whose stack cannot do
/// 1.3 and must be asked for explicitly (`min_version: "1.2"` in the daemon's config).
public enum TLSVersion: String, Sendable {
    /// TLS 1.2 (RFC 5246), with ECDHE and AEAD cipher suites only.
    case v1_2 = "1.2"
    /// TLS 1.3 (RFC 8446).
    case v1_3 = "1.3"
}

/// Where a TLS endpoint finds its certificate, key and trust anchors.
///
/// The same shape serves both sides: a server presents `certificateFile` and requires a
/// client certificate that chains to `trustedCAFile`; a client presents its certificate
/// and verifies the server's chain against `trustedCAFile`. Paths are used as given
/// (the caller resolves them relative to its config file). Files are read when a
/// `TLSContext` is made, so a changed file takes effect at the next context.
public struct TLSConfiguration: Sendable, Equatable {
    /// PEM certificate chain presented to the peer (leaf first).
    public var certificateFile: String
    /// PEM private key of the leaf certificate; must not be passphrase-protected.
    public var privateKeyFile: String
    /// PEM bundle of the CA certificates whose peers are accepted.
    public var trustedCAFile: String
    /// Optional PEM certificate revocation list(s) issued by those CAs; when given, every
    /// peer leaf certificate is checked against it and an issuer without a CRL is refused.
    public var crlFile: String?
    /// The lowest protocol version accepted; TLS 1.3 unless set to `.v1_2`.
    public var minimumVersion: TLSVersion

    /// Creates a configuration; see the properties for the meaning of each file.
    public init(certificateFile: String, privateKeyFile: String, trustedCAFile: String,
                crlFile: String? = nil, minimumVersion: TLSVersion = .v1_3) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.trustedCAFile = trustedCAFile
        self.crlFile = crlFile
        self.minimumVersion = minimumVersion
    }
}
