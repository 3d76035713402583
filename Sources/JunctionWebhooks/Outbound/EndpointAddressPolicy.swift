import Foundation
import NIOCore
import NIOPosix

/// The SSRF guard: endpoint URLs must reach the public internet, not the server's own network. Applied when an
/// endpoint is saved and again before every delivery, after DNS resolution (a name can be re-pointed later).
///
/// Refused: loopback, RFC 1918 and unique-local private ranges, link-local (which holds cloud metadata services such
/// as 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast, reserved and unspecified addresses, and IPv4
/// addresses smuggled inside IPv6 (mapped, NAT64). `--allow-private-endpoints` turns the guard off.
public struct EndpointAddressPolicy: Sendable {
    /// Whether private destinations are allowed (`--allow-private-endpoints`).
    public var allowPrivate: Bool

    /// A policy.
    public init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    /// Why a URL was refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not an absolute http(s) URL with a host.
        case invalidURL(String)
        /// The host name does not resolve.
        case unresolvable(host: String)
        /// The host resolves to an address the guard refuses.
        case privateAddress(host: String, address: String)

        public var description: String {
            switch self {
            case .invalidURL(let reason): "the URL is not valid: \(reason)"
            case .unresolvable(let host): "the host '\(host)' does not resolve"
            case .privateAddress(let host, let address):
                "the host '\(host)' resolves to \(address), a loopback, private, link-local or metadata address; "
                    + "such endpoints are refused unless the server runs with --allow-private-endpoints"
            }
        }
    }

    /// The form of URL an endpoint may have, the same expression as `url` in `openapi.yaml`: a plain host name,
    /// IPv4 address or bracketed IPv6 address, an optional port, and a path and query of URL characters and percent escapes.
    private static var form: Regex<(Substring, Substring, Substring?, Substring?, Substring?, Substring?, Substring?)> {
        #/[Hh][Tt][Tt][Pp][Ss]?:\/\/([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\/([A-Za-z0-9._~!$&'()*+,;=:@\/\-]|%[0-9A-Fa-f]{2})*)?(\?([A-Za-z0-9._~!$&'()*+,;=:@\/?\-]|%[0-9A-Fa-f]{2})*)?/#
    }

    /// The URL's scheme and host, checked for form only. `documentedForm: false` skips the expression, for a URL saved
    /// before the expression became what it is: such an endpoint keeps working while the rest still holds.
    public static func parse(_ text: String, documentedForm: Bool = true) throws(Refusal) -> (url: URL, host: String) {
        guard text.count <= 2048, !documentedForm || (try? form.wholeMatch(in: text)) != nil, let url = URL(string: text),
            let scheme = url.scheme?.lowercased()
        else {
            throw .invalidURL("expected an absolute http or https URL of a host name or IPv4 address, port, path and query")
        }
        guard scheme == "http" || scheme == "https" else { throw .invalidURL("the scheme must be http or https, not \(scheme)") }
        guard let host = url.host(percentEncoded: false), !host.isEmpty else { throw .invalidURL("it has no host") }
        guard url.user == nil, url.password == nil else {
            throw .invalidURL("credentials in the URL are not allowed; they would be logged")
        }
        return (url, host)
    }

    /// Checks `text` fully: its form and, unless private endpoints are allowed, every address its host resolves to.
    public func check(_ text: String, documentedForm: Bool = true) async throws(Refusal) -> URL {
        let (url, host) = try Self.parse(text, documentedForm: documentedForm)
        guard !allowPrivate else { return url }
        let addresses = await Self.resolve(host: host, port: url.port ?? (url.scheme == "https" ? 443 : 80))
        guard !addresses.isEmpty else { throw .unresolvable(host: host) }
        for address in addresses where Self.isRefused(address) {
            throw .privateAddress(host: host, address: Self.text(of: address))
        }
        return url
    }

    /// Whether the guard refuses `address`.
    public static func isRefused(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4): return isRefused(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            return isRefused(ipv6: bytes)
        case .unixDomainSocket: return true
        }
    }

    /// Whether the guard refuses an IPv4 address, given as a host-order integer.
    public static func isRefused(ipv4 address: UInt32) -> Bool {
        let refused: [(UInt32, Int)] = [
            (0x0000_0000, 8),  // 0.0.0.0/8, "this network"
            (0x0A00_0000, 8),  // 10.0.0.0/8
            (0x6440_0000, 10),  // 100.64.0.0/10, carrier-grade NAT
            (0x7F00_0000, 8),  // 127.0.0.0/8, loopback
            (0xA9FE_0000, 16),  // 169.254.0.0/16, link-local and cloud metadata
            (0xAC10_0000, 12),  // 172.16.0.0/12
            (0xC000_0000, 24),  // 192.0.0.0/24, IETF protocol assignments
            (0xC000_0200, 24),  // 192.0.2.0/24, documentation
            (0xC0A8_0000, 16),  // 192.168.0.0/16
            (0xC612_0000, 15),  // 198.18.0.0/15, benchmarking
            (0xC633_6400, 24),  // 198.51.100.0/24, documentation
            (0xCB00_7100, 24),  // 203.0.113.0/24, documentation
            (0xE000_0000, 4),  // 224.0.0.0/4, multicast
            (0xF000_0000, 4),  // 240.0.0.0/4, reserved and broadcast
        ]
        return refused.contains { network, prefix in address >> (32 - prefix) == network >> (32 - prefix) }
    }

    /// Whether the guard refuses an IPv6 address, given as its 16 bytes.
    public static func isRefused(ipv6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return true }
        let embeddedIPv4 = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {  // ::ffff:a.b.c.d
            return isRefused(ipv4: embeddedIPv4)
        }
        if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] {  // 64:ff9b::/96, NAT64
            return isRefused(ipv4: embeddedIPv4)
        }
        if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7, unique local (includes fd00:ec2::254)
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10, link-local
        if bytes[0] == 0xFF { return true }  // ff00::/8, multicast
        if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0x0D, bytes[3] == 0xB8 { return true }  // 2001:db8::/32, documentation
        return false
    }

    /// Every address `host` resolves to; empty when it does not resolve. Runs `getaddrinfo` on NIO's blocking pool,
    /// never on a cooperative thread.
    static func resolve(host: String, port: Int) async -> [SocketAddress] {
        (try? await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            #if canImport(Glibc)
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
                hints.ai_socktype = SOCK_STREAM
            #endif
            var results: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else { return [SocketAddress]() }
            defer { freeaddrinfo(first) }
            var addresses: [SocketAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                if let address = entry.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                        addresses.append(SocketAddress(v4, host: host))
                    case AF_INET6:
                        let v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                        addresses.append(SocketAddress(v6, host: host))
                    default: break
                    }
                }
                cursor = entry.pointee.ai_next
            }
            return addresses
        }) ?? []
    }

    private static func text(of address: SocketAddress) -> String {
        address.ipAddress ?? "\(address)"
    }
}
