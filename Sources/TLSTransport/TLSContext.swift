import COpenSSL
import Glibc

/// A configured OpenSSL `SSL_CTX`: certificate, key, trust anchors, protocol floor and
/// verification policy, ready to make connections.
///
/// - `server(_:)` requires **and verifies** a client certificate chaining to the trusted
///   CA file (mutual TLS is the only mode), checks it against the CRL when one is given,
///   and does not resume sessions (every connection is verified against the current CA
///   and CRL).
/// - `client(_:)` presents its certificate and verifies the server's chain; the host name
///   or expected identity is checked per connection.
///
/// Both get the same profile (Mozilla "modern"): key exchange over X25519, P-256 or P-384
/// only (`groups`), and the certificate chain sent is the leaf plus the intermediates of
/// the certificate file — no root: OpenSSL's automatic chain building from the trust store
/// is off (`SSL_MODE_NO_AUTO_CHAIN`; it added the self-signed CA) and a self-signed
/// certificate in the file is dropped. A peer must already hold the root to trust it, so
/// sending it only costs bytes and lets a careless peer take the sender's word for it.
///
/// Every failure to load a file throws a `TLSError` naming the file and the reason.
/// A context never changes after it is made, and OpenSSL lets any thread create
/// connections from it, so it is shared freely; to rotate certificates make a new one.
public final class TLSContext: @unchecked Sendable {
    // Immutable after init: `SSL_new` on a configured SSL_CTX is thread-safe in OpenSSL 3.

    /// Which side of the handshake connections from this context play.
    package enum Role: Sendable { case server, client }

    /// The `SSL_CTX *`, owned by this object.
    let pointer: OpaquePointer
    /// The side of the handshake.
    package let role: Role
    /// The configuration the context was made from.
    public let configuration: TLSConfiguration

    /// Makes a server context from `configuration`: presents the certificate, requires a
    /// client certificate verified against `trustedCAFile` (and `crlFile` when set).
    /// Throws a `TLSError` naming the file and the reason when anything cannot be loaded.
    public static func server(_ configuration: TLSConfiguration) throws -> TLSContext {
        try TLSContext(configuration, role: .server)
    }

    /// Makes a client context from `configuration`: presents the certificate and verifies
    /// the server's chain against `trustedCAFile`. Throws a `TLSError` like `server(_:)`.
    public static func client(_ configuration: TLSConfiguration) throws -> TLSContext {
        try TLSContext(configuration, role: .client)
    }

    private init(_ configuration: TLSConfiguration, role: Role) throws {
        ProcessSignals.ignoreBrokenPipe()
        OpenSSLRuntime.prepare()
        OpenSSLErrors.clear()
        let method = role == .server ? TLS_server_method() : TLS_client_method()
        guard let context = SSL_CTX_new(method) else {
            throw TLSError("cannot create a TLS context: \(OpenSSLErrors.drainedReason(fallback: "out of memory"))")
        }
        self.pointer = context
        self.role = role
        self.configuration = configuration
        // From here a throw runs deinit, which frees the context.
        try configureProtocol()
        try loadIdentity()
        try loadTrust()
        configureVerification()
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// The key exchange groups offered and accepted, in order of preference.
    static let groups = "X25519:P-256:P-384"

    /// A new `SSL *` for one connection, or nil when OpenSSL is out of memory.
    func makeSSL() -> OpaquePointer? {
        SSL_new(pointer)
    }

    // MARK: - Steps of construction

    private func configureProtocol() throws {
        let floor = configuration.minimumVersion == .v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard cpo_SSL_CTX_set_min_proto_version(pointer, floor) == 1 else {
            throw TLSError("cannot set the minimum TLS version to \(configuration.minimumVersion.rawValue)")
        }
        cpo_SSL_CTX_set_hardening_options(pointer)
        guard cpo_SSL_CTX_set1_groups_list(pointer, Self.groups) == 1 else {
            throw TLSError("cannot limit the TLS key exchange groups to \(Self.groups): "
                           + OpenSSLErrors.drainedReason(fallback: "not supported by this OpenSSL"))
        }
        if role == .server {
            // A client's FIN after its request is a half-close like close_notify, not an error
            // (the HTTP framing tells a complete request from a truncated one). A client keeps
            // OpenSSL's default: a bare EOF from a server is an error, not an end.
            cpo_SSL_CTX_set_eof_ends_input(pointer)
        }
        // TLS 1.2 only: forward secrecy and AEAD; TLS 1.3 suites are all acceptable.
        _ = SSL_CTX_set_cipher_list(pointer, "ECDHE+AESGCM:ECDHE+CHACHA20")
        // No chain built from the trust store: only the certificate file's chain is sent.
        _ = cpo_SSL_CTX_set_mode(pointer, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                                               | SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN))
        // No resumption: every handshake verifies the peer against the current CA and CRL.
        _ = cpo_SSL_CTX_set_session_cache_mode(pointer, Int(SSL_SESS_CACHE_OFF))
        _ = SSL_CTX_set_num_tickets(pointer, 0)
        // A passphrase prompt would block a daemon on its terminal: refuse encrypted keys.
        SSL_CTX_set_default_passwd_cb(pointer) { _, _, _, _ in 0 }
    }

    private func loadIdentity() throws {
        let certificate = configuration.certificateFile
        let key = configuration.privateKeyFile
        try Self.checkReadable(certificate, what: "certificate")
        OpenSSLErrors.clear()
        guard SSL_CTX_use_certificate_chain_file(pointer, certificate) == 1 else {
            throw TLSError(file: certificate, "cannot load certificate \(certificate): \(Self.pemReason("certificate"))")
        }
        try dropSelfSignedChainCertificates(from: certificate)
        try Self.checkReadable(key, what: "private key")
        OpenSSLErrors.clear()
        guard SSL_CTX_use_PrivateKey_file(pointer, key, SSL_FILETYPE_PEM) == 1 else {
            let reason = Self.fileMentions(key, "ENCRYPTED")
                ? "passphrase-protected keys are not supported" : Self.pemReason("private key")
            if reason.contains("key values mismatch") {
                throw TLSError(file: key, "private key \(key) does not match certificate \(certificate)")
            }
            throw TLSError(file: key, "cannot load private key \(key): \(reason)")
        }
        OpenSSLErrors.clear()
        guard SSL_CTX_check_private_key(pointer) == 1 else {
            OpenSSLErrors.clear()
            throw TLSError(file: key, "private key \(key) does not match certificate \(certificate)")
        }
    }

    /// Removes self-signed (root) certificates from the chain loaded from `file`, keeping
    /// the intermediates in their order.
    private func dropSelfSignedChainCertificates(from file: String) throws {
        var chain: OpaquePointer?
        guard cpo_SSL_CTX_get0_chain_certs(pointer, &chain) == 1, let chain else { return }
        let loaded = (0..<cpo_sk_X509_num(chain)).compactMap { cpo_sk_X509_value(chain, $0) }
        let kept = loaded.filter { X509_self_signed($0, 0) != 1 }
        guard kept.count < loaded.count else { return }
        for certificate in kept { X509_up_ref(certificate) } // they outlive clearing the chain
        defer { for certificate in kept { X509_free(certificate) } }
        OpenSSLErrors.clear()
        _ = cpo_SSL_CTX_clear_chain_certs(pointer)
        for certificate in kept where cpo_SSL_CTX_add1_chain_cert(pointer, certificate) != 1 {
            throw TLSError(file: file, "cannot load certificate \(file): "
                           + OpenSSLErrors.drainedReason(fallback: "cannot keep its intermediate certificates"))
        }
    }

    private func loadTrust() throws {
        let caFile = configuration.trustedCAFile
        try Self.checkReadable(caFile, what: "trusted CA file")
        OpenSSLErrors.clear()
        guard SSL_CTX_load_verify_locations(pointer, caFile, nil) == 1 else {
            throw TLSError(file: caFile, "cannot load trusted CA file \(caFile): \(Self.pemReason("CA certificate"))")
        }
        if role == .server {
            // The CA names sent in the CertificateRequest, so clients pick the right certificate.
            guard let names = SSL_load_client_CA_file(caFile), cpo_sk_X509_NAME_num(names) > 0 else {
                OpenSSLErrors.clear()
                throw TLSError(file: caFile, "cannot load trusted CA file \(caFile): no CA certificate in the file")
            }
            SSL_CTX_set_client_CA_list(pointer, names)
        }
        if let crlFile = configuration.crlFile {
            try loadCRL(crlFile)
        }
        OpenSSLErrors.clear()
    }

    private func loadCRL(_ path: String) throws {
        try Self.checkReadable(path, what: "CRL file")
        guard let store = SSL_CTX_get_cert_store(pointer), let bio = BIO_new_file(path, "r") else {
            throw TLSError(file: path, "cannot read CRL file \(path): \(OpenSSLErrors.drainedReason(fallback: "cannot open"))")
        }
        defer { BIO_free(bio) }
        var count = 0
        while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
            defer { X509_CRL_free(crl) }
            guard X509_STORE_add_crl(store, crl) == 1 else {
                throw TLSError(file: path, "cannot load CRL file \(path): \(OpenSSLErrors.drainedReason(fallback: "rejected"))")
            }
            count += 1
        }
        OpenSSLErrors.clear() // the loop ends on the "no start line" of end of file
        guard count > 0 else {
            throw TLSError(file: path, "cannot load CRL file \(path): no PEM-encoded CRL in the file")
        }
        _ = X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK))
    }

    private func configureVerification() {
        let mode = role == .server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER
        SSL_CTX_set_verify(pointer, mode, nil)
        SSL_CTX_set_verify_depth(pointer, 5)
        if role == .server {
            let contextID: [UInt8] = Array("contactpoint".utf8)
            _ = SSL_CTX_set_session_id_context(pointer, contextID, UInt32(contextID.count))
        }
    }

    // MARK: - File checks that produce one-line reasons

    /// Throws `cannot read WHAT PATH: REASON` unless `path` is a readable, non-empty file.
    private static func checkReadable(_ path: String, what: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TLSError(file: path, "cannot read \(what) \(path): \(systemErrorText(errno))")
        }
        defer { _ = Glibc.close(fd) }
        var byte: UInt8 = 0
        let count = read(fd, &byte, 1)
        if count < 0 {
            throw TLSError(file: path, "cannot read \(what) \(path): \(systemErrorText(errno))")
        }
        if count == 0 {
            throw TLSError(file: path, "cannot read \(what) \(path): the file is empty")
        }
    }

    /// Whether the first 64 KiB of `path` contain `marker` (used to explain a load failure).
    private static func fileMentions(_ path: String, _ marker: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return false }
        return String(decoding: buffer[0..<count], as: UTF8.self).contains(marker)
    }

    /// The reason OpenSSL gave for failing to load a PEM object, in plain words.
    private static func pemReason(_ what: String) -> String {
        let reasons = OpenSSLErrors.drain()
        if reasons.contains(where: { $0.contains("no start line") }) {
            return "no PEM-encoded \(what) in the file"
        }
        if reasons.isEmpty { return "not a valid PEM \(what)" }
        var unique: [String] = []
        for reason in reasons where !unique.contains(reason) { unique.append(reason) }
        return unique.joined(separator: "; ")
    }
}
