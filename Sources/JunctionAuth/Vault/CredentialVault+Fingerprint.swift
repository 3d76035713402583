import Crypto
import Foundation

extension CredentialVault {
    /// A keyed fingerprint of `data` (HMAC-SHA256 under a key derived from the current master key), hex: tells
    /// whether a value that holds secrets changed without storing anything from which the secrets can be guessed. It
    /// changes when the master key is rotated.
    public func fingerprint(_ data: Data) -> String {
        let master = currentKeyring.current
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master.key, info: Data("junction.fingerprint.v1".utf8), outputByteCount: 32)
        return HMAC<SHA256>.authenticationCode(for: data, using: key).map { String(format: "%02x", $0) }.joined()
    }
}
