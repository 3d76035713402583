import Crypto
import Foundation
import JunctionCore

/// A 256-bit key that wraps the vault's data keys. Identified by a fingerprint, so every sealed secret records
/// which master key can open it and a keyring can hold the current key next to retired ones.
public struct MasterKey: Sendable {
    /// Fingerprint: the first 8 bytes of SHA-256 over a domain tag and the key, hex. Safe to log and store.
    public let id: String
    let key: SymmetricKey

    /// A key from its 32 raw bytes.
    public init(bytes: some ContiguousBytes) throws(VaultError) {
        let key = SymmetricKey(data: bytes)
        guard key.bitCount == 256 else { throw .invalidMasterKey("a master key is 32 bytes; this one has \(key.bitCount / 8)") }
        self.init(validatedKey: key)
    }

    private init(validatedKey key: SymmetricKey) {
        self.key = key
        let digest = key.withUnsafeBytes { raw in
            SHA256.hash(data: Data("junction.master-key.v1:".utf8) + Data(raw))
        }
        self.id = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A key from its base64 text, as `JUNCTION_MASTER_KEY` holds it.
    public init(base64: String) throws(VaultError) {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw .invalidMasterKey("a master key is base64 text (generate one with `junction keys generate`)")
        }
        try self.init(bytes: data)
    }

    /// A new random key.
    public static func generate() -> MasterKey {
        MasterKey(validatedKey: SymmetricKey(size: .bits256))
    }

    /// The key as base64 text, for the key file or the environment.
    public var base64: String {
        key.withUnsafeBytes { Data($0).base64EncodedString() }
    }
}

/// The master keys a vault may use: one current key that seals, and retired keys that may still open
/// secrets sealed before a rotation.
public struct MasterKeyring: Sendable {
    /// The key new secrets are sealed with.
    public let current: MasterKey
    /// Keys kept only to open older secrets.
    public let retired: [MasterKey]

    /// A keyring.
    public init(current: MasterKey, retired: [MasterKey] = []) {
        self.current = current
        self.retired = retired.filter { $0.id != current.id }
    }

    /// The key with fingerprint `id`, current or retired.
    public func key(withID id: String) -> MasterKey? {
        id == current.id ? current : retired.first { $0.id == id }
    }

    /// Every fingerprint on the ring.
    public var ids: [String] { [current.id] + retired.map(\.id) }
}
