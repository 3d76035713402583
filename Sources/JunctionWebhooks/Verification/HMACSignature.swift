import Crypto
import Foundation
import Synchronization

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

    /// An HMAC-SHA256 ready to take a message under `key`. The key schedule (hashing the padded key twice) is done
    /// once per secret and the state copied after (the hash contexts are copy-on-write), which was a visible share
    /// of each verified webhook. At most 4,096 secrets are kept; then the cache starts over.
    public static func sha256State(key: String) -> HMAC<SHA256> {
        if let state = states.withLock({ $0[key] }) { return state }
        let state = HMAC<SHA256>(key: SymmetricKey(data: Array(key.utf8)))
        states.withLock { states in
            if states.count >= 4096 { states.removeAll() }
            states[key] = state
        }
        return state
    }

    private static let states = Mutex<[String: HMAC<SHA256>]>([:])

    /// The bytes a lowercase or uppercase hex string stands for; `nil` for anything else.
    public static func bytes(fromHex text: some StringProtocol) -> [UInt8]? {
        bytes(fromHexDigits: text.utf8)
    }

    /// The bytes hex digits (as UTF-8) stand for; `nil` when one is not a hex digit or their count is odd.
    public static func bytes(fromHexDigits digits: some Collection<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for digit in digits {
            guard let nibble = value(digit) else { return nil }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    /// Compares a MAC with expected bytes in time that depends only on their lengths.
    public static func constantTimeEquals(_ code: HashedAuthenticationCode<SHA256>, _ expected: [UInt8]) -> Bool {
        code.withUnsafeBytes { bytes in
            guard bytes.count == expected.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<bytes.count { difference |= bytes[index] ^ expected[index] }
            return difference == 0
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
