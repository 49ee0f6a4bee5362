import COpenSSL
import Foundation

/// Who is on the other end of a connection, read from the peer certificate after OpenSSL
/// verified its chain against the trusted CA file.
///
/// `commonName` is the subject CN (the identity the contact-point directory lists);
/// `subjectAltNames` holds the DNS names, IP addresses (textual: `127.0.0.1`, `::1`),
/// e-mail addresses and URIs of the subjectAltName extension, in certificate order.
public struct PeerIdentity: Sendable, Hashable {
    /// The subject common name, or "" when the certificate has none.
    public var commonName: String
    /// The subjectAltName entries as plain strings.
    public var subjectAltNames: [String]
    /// The end of the certificate's validity, when it could be read.
    public var notAfter: Date?

    /// Creates an identity; the transport makes them from certificates, tests by hand.
    public init(commonName: String, subjectAltNames: [String] = [], notAfter: Date? = nil) {
        self.commonName = commonName
        self.subjectAltNames = subjectAltNames
        self.notAfter = notAfter
    }

    /// Whether `identity` equals the common name or one of the subjectAltNames.
    public func matches(_ identity: String) -> Bool {
        commonName == identity || subjectAltNames.contains(identity)
    }

    /// Reads the identity of the peer certificate of `ssl`; nil when the peer sent none.
    static func of(ssl: OpaquePointer) -> PeerIdentity? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        return PeerIdentity(certificate: certificate)
    }

    /// Reads the identity of an `X509 *`.
    init(certificate: OpaquePointer) {
        self.init(commonName: Self.commonName(of: certificate),
                  subjectAltNames: Self.alternativeNames(of: certificate),
                  notAfter: Self.notAfter(of: certificate))
    }

    private static func commonName(of certificate: OpaquePointer) -> String {
        guard let subject = X509_get_subject_name(certificate) else { return "" }
        let index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(subject, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return "" }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let bytes = utf8 else { return "" }
        defer { cpo_OPENSSL_free(bytes) }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(length)), as: UTF8.self)
    }

    private static func alternativeNames(of certificate: OpaquePointer) -> [String] {
        guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { cpo_sk_GENERAL_NAME_pop_free(names) }
        var result: [String] = []
        for index in 0..<cpo_sk_GENERAL_NAME_num(names) {
            guard let name = cpo_sk_GENERAL_NAME_value(names, index) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            switch type {
            case GEN_DNS, GEN_EMAIL, GEN_URI:
                result.append(text(of: string))
            case GEN_IPADD:
                if let address = ipAddress(of: string) { result.append(address) }
            default:
                continue
            }
        }
        return result
    }

    private static func text(of string: UnsafePointer<ASN1_STRING>) -> String {
        guard let data = ASN1_STRING_get0_data(string) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))), as: UTF8.self)
    }

    private static func ipAddress(of string: UnsafePointer<ASN1_STRING>) -> String? {
        guard let data = ASN1_STRING_get0_data(string) else { return nil }
        let length = Int(ASN1_STRING_length(string))
        var text = [CChar](repeating: 0, count: 64)
        let family: Int32
        switch length {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        guard inet_ntop(family, data, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func notAfter(of certificate: OpaquePointer) -> Date? {
        guard let time = X509_get0_notAfter(certificate) else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
