import Crypto
import Foundation
import JunctionCore
import JunctionStore

/// The management API's bearer token. Only its SHA-256 is kept (in memory and in the store), and a presented
/// token is checked by comparing digests in constant time, so neither a database dump nor response timing
/// gives the token away.
public struct AdminToken: Sendable {
    let digest: [UInt8]

    /// The name under which the digest is stored.
    public static let settingName = "admin_token_sha256"

    /// A verifier for a known token (from `JUNCTION_ADMIN_TOKEN`).
    public init(token: String) {
        self.digest = Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// A verifier for a stored digest (hex).
    public init?(digestHex: String) {
        var bytes: [UInt8] = []
        var index = digestHex.startIndex
        while index < digestHex.endIndex {
            let next = digestHex.index(index, offsetBy: 2, limitedBy: digestHex.endIndex) ?? digestHex.endIndex
            guard let byte = UInt8(digestHex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        guard bytes.count == SHA256.byteCount else { return nil }
        self.digest = bytes
    }

    /// The stored form.
    public var digestHex: String { digest.map { String(format: "%02x", $0) }.joined() }

    /// Whether `presented` is the token, in time independent of where they differ.
    public func verify(_ presented: String) -> Bool {
        let candidate = Array(SHA256.hash(data: Data(presented.utf8)))
        var difference: UInt8 = 0
        for (left, right) in zip(candidate, digest) { difference |= left ^ right }
        return difference == 0 && candidate.count == digest.count
    }

    /// A new random token: `jct_` and 43 base64url characters (256 bits).
    public static func generateToken() -> String {
        "jct_" + RandomToken.base64URL(bytes: 32)
    }

    /// How the server came by its token at start-up.
    public enum Provisioning: Sendable {
        /// Configured in the environment.
        case configured(AdminToken)
        /// Its digest was already stored by an earlier start (or another node).
        case stored(AdminToken)
        /// Generated now; the plaintext is returned once to be shown to the operator, and is stored nowhere.
        case generated(AdminToken, plaintext: String)

        /// The verifier, however it came.
        public var token: AdminToken {
            switch self {
            case .configured(let token), .stored(let token), .generated(let token, _): token
            }
        }
    }

    /// Resolves the token at start-up: the configured one, else the stored digest, else a new token whose
    /// digest this node stores (if several nodes race on first start, one wins and the others use its digest).
    public static func provision(configured: String?, settings: SettingsRepository) async throws -> Provisioning {
        if let configured, !configured.isEmpty {
            return .configured(AdminToken(token: configured))
        }
        if let stored = try await settings.value(named: settingName) {
            guard let token = AdminToken(digestHex: stored) else { throw AdminTokenError.unreadableStoredDigest }
            return .stored(token)
        }
        let plaintext = generateToken()
        let token = AdminToken(token: plaintext)
        if try await settings.insertIfAbsent(name: settingName, value: token.digestHex) {
            return .generated(token, plaintext: plaintext)
        }
        guard let stored = try await settings.value(named: settingName), let winner = AdminToken(digestHex: stored) else {
            throw AdminTokenError.unreadableStoredDigest
        }
        return .stored(winner)
    }
}

/// The admin token could not be established at start-up.
public enum AdminTokenError: JunctionError, Equatable {
    /// The stored digest is not 32 bytes of hex (edited by hand, or another program's value).
    case unreadableStoredDigest

    public var title: String { "Admin token unavailable" }

    public var detail: String {
        switch self {
        case .unreadableStoredDigest:
            "the stored admin token digest (setting '\(AdminToken.settingName)') is unreadable; set JUNCTION_ADMIN_TOKEN"
        }
    }
}
