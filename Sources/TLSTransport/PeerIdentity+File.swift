import COpenSSL
import Glibc

extension PeerIdentity {
    /// The identity named by a PEM certificate file: how a daemon learns its own identity
    /// (the actor of its receipts and timer events) from `tls.certificate`.
    public init(certificateFile path: String) throws {
        OpenSSLRuntime.prepare()
        guard let file = fopen(path, "r") else {
            throw TLSError(file: path, "cannot read certificate \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        guard let certificate = PEM_read_X509(file, nil, nil, nil) else {
            throw TLSError(file: path, "\(path) is not a PEM certificate")
        }
        defer { X509_free(certificate) }
        self.init(certificate: certificate)
    }
}
