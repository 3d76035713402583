import Crypto
import Foundation

/// The HMAC arithmetic every signature scheme shares, with constant-time comparison.
public enum HMACSignature {
    /// The hash functions a generic HMAC scheme may name.
    public enum Algorithm: String, Sendable, CaseIterable, Codable {
        case sha1, sha256, sha512
    }

    /// How a scheme writes the MAC in its header.
    public enum Encoding: String, Sendable, CaseIterable, Codable {
        case hex, base64
    }

    /// The MAC of `message` under `key`.
    public static func mac(_ algorithm: Algorithm, key: some DataProtocol, message: some DataProtocol) -> [UInt8] {
        let key = SymmetricKey(data: Array(key))
        switch algorithm {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: Array(message), using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: Array(message), using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: Array(message), using: key))
        }
    }

    /// The MAC written as the scheme writes it.
    public static func encoded(_ mac: [UInt8], as encoding: Encoding) -> String {
        switch encoding {
        case .hex: hex(mac)
        case .base64: Data(mac).base64EncodedString()
        }
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase hex of the SHA-256 of `bytes`.
    public static func hex(of bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Compares two signatures in time that depends only on their lengths, so a forger learns nothing from timing.
    public static func constantTimeEquals(_ left: some StringProtocol, _ right: some StringProtocol) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
