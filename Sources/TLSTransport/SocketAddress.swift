import Glibc

/// An IPv4 or IPv6 socket address, resolved from a host and port.
///
/// Hosts are IP literals (`127.0.0.1`, `::1`, `[::1]`) or names resolved with
/// `getaddrinfo` (`localhost`). `description` is `host:port` with IPv6 in brackets, the
/// form operators write in the config and read in logs.
package struct SocketAddress: Sendable, CustomStringConvertible {
    /// The raw address, ready for `bind` / `connect`.
    package var storage: sockaddr_storage
    /// `AF_INET` or `AF_INET6`.
    package var family: Int32 { Int32(storage.ss_family) }

    /// The length of the raw address for its family.
    package var length: socklen_t {
        family == AF_INET6 ? socklen_t(MemoryLayout<sockaddr_in6>.size)
                           : socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    /// Wraps an address returned by the kernel; nil for families other than IPv4/IPv6.
    package init?(storage: sockaddr_storage) {
        guard Int32(storage.ss_family) == AF_INET || Int32(storage.ss_family) == AF_INET6 else { return nil }
        self.storage = storage
    }

    /// Removes the brackets of an IPv6 literal (`[::1]` → `::1`).
    package static func unbracketed(_ host: String) -> String {
        if host.hasPrefix("["), host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
        return host
    }

    /// Formats `host:port` the way operators write it (`[::1]:8443` for IPv6).
    package static func display(host: String, port: Int) -> String {
        let bare = unbracketed(host)
        return bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
    }

    /// Whether `host` is an IPv4 or IPv6 literal (with or without brackets).
    package static func isIPLiteral(_ host: String) -> Bool {
        let bare = unbracketed(host)
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }

    /// Resolves `host` and `port` to every address, IP literals without a lookup;
    /// throws the resolver's message (`Name or service not known`).
    package static func resolve(host: String, port: Int, passive: Bool) throws(Socket.Failure) -> [SocketAddress] {
        guard (0...65535).contains(port) else { throw Socket.Failure(code: EINVAL) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = unbracketed(host)
        let status = getaddrinfo(bare.isEmpty ? nil : bare, String(port), &hints, &list)
        guard status == 0, let first = list else {
            if status == EAI_SYSTEM { throw Socket.Failure(code: errno) }
            throw Socket.Failure(code: 0, message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let raw = entry.pointee.ai_addr, entry.pointee.ai_family == AF_INET || entry.pointee.ai_family == AF_INET6 {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(entry.pointee.ai_addrlen)))
                }
                if let address = SocketAddress(storage: storage) { addresses.append(address) }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw Socket.Failure(code: EADDRNOTAVAIL) }
        return addresses
    }

    /// The port number in host byte order.
    package var port: Int {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// The address without the port (`127.0.0.1`, `::1`).
    package var host: String {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeMutableBytes(of: &copy) { raw in
            if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            } else {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `host:port`, IPv6 in brackets.
    package var description: String { SocketAddress.display(host: host, port: port) }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    package func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var copy = storage
        let length = self.length
        return withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
