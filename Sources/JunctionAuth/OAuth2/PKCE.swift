import Crypto
import Foundation

/// RFC 7636 proof key: a random verifier kept by Junction, and its S256 challenge sent in the authorization
/// request. The token request must present the verifier, so a stolen authorization code is useless alone.
public struct PKCE: Sendable, Equatable {
    /// 43 characters of base64url (256 random bits).
    public let verifier: String
    /// BASE64URL(SHA256(verifier)).
    public let challenge: String
    /// Always `S256`; the `plain` method is never used.
    public let method = "S256"

    /// A fresh verifier and its challenge.
    public static func generate() -> PKCE {
        PKCE(verifier: RandomToken.base64URL(bytes: 32))
    }

    /// The challenge for a known verifier.
    public init(verifier: String) {
        self.verifier = verifier
        self.challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString()
    }
}

/// Random, URL-safe tokens: PKCE verifiers, OAuth states, admin tokens.
public enum RandomToken {
    /// `count` random bytes as base64url without padding.
    public static func base64URL(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URLEncodedString()
    }
}

extension Data {
    /// Base64url without padding (RFC 4648 §5).
    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
