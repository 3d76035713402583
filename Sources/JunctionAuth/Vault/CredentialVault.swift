import Crypto
import Foundation
import JunctionCore
import JunctionStore
import Synchronization

/// Envelope encryption for credentials. Each secret is sealed with AES-256-GCM under its own random data key;
/// the data key is sealed under the master key. Both seals bind the owner's id as authenticated data, so a
/// ciphertext copied onto another row fails to open. Rotating the master key re-seals only the small data keys.
public final class CredentialVault: Sendable {
    private let keyring: Mutex<MasterKeyring>
    private let source: (any MasterKeySource)?

    /// A vault over a fixed keyring.
    public init(keyring: MasterKeyring) {
        self.keyring = Mutex(keyring)
        self.source = nil
    }

    /// A vault whose keyring is reloaded from `source` when it changes (a rotation by another process).
    public init(source: any MasterKeySource) throws {
        self.keyring = Mutex(try source.load())
        self.source = source
    }

    /// The keyring in use now.
    public var currentKeyring: MasterKeyring {
        refreshIfChanged()
        return keyring.withLock { $0 }
    }

    /// Seals `credentials` for `ownerID` under a new data key and the current master key.
    public func seal(_ credentials: [String: JSONValue], ownerID: String) throws -> SealedSecret {
        refreshIfChanged()
        let master = keyring.withLock { $0.current }
        let dataKey = SymmetricKey(size: .bits256)
        let plaintext = try JSONValue.object(credentials).serialized()
        let ciphertext = try Self.seal(Data(plaintext.utf8), key: dataKey, context: "secret:" + ownerID)
        let wrappedKey = try dataKey.withUnsafeBytes { raw in
            try Self.seal(Data(raw), key: master.key, context: "data-key:" + ownerID)
        }
        return SealedSecret(
            ownerID: ownerID,
            keyID: master.id,
            wrappedKey: wrappedKey.base64EncodedString(),
            ciphertext: ciphertext.base64EncodedString()
        )
    }

    /// Opens a sealed secret.
    public func open(_ secret: SealedSecret) throws -> [String: JSONValue] {
        let dataKey = try unwrapDataKey(of: secret)
        guard let ciphertext = Data(base64Encoded: secret.ciphertext) else { throw VaultError.tamperedSecret(ownerID: secret.ownerID) }
        let plaintext = try Self.open(ciphertext, key: dataKey, context: "secret:" + secret.ownerID, ownerID: secret.ownerID)
        guard case .object(let credentials) = try JSONDecoder().decode(JSONValue.self, from: plaintext) else {
            throw VaultError.tamperedSecret(ownerID: secret.ownerID)
        }
        return credentials
    }

    /// The same secret with its data key re-sealed under the current master key; the payload is untouched.
    public func rewrap(_ secret: SealedSecret) throws -> SealedSecret {
        let dataKey = try unwrapDataKey(of: secret)
        let master = keyring.withLock { $0.current }
        let wrappedKey = try dataKey.withUnsafeBytes { raw in
            try Self.seal(Data(raw), key: master.key, context: "data-key:" + secret.ownerID)
        }
        var rewrapped = secret
        rewrapped.keyID = master.id
        rewrapped.wrappedKey = wrappedKey.base64EncodedString()
        return rewrapped
    }

    /// Replaces the keyring, e.g. after this process rotated the key file itself.
    public func use(_ newKeyring: MasterKeyring) {
        keyring.withLock { $0 = newKeyring }
    }

    private func unwrapDataKey(of secret: SealedSecret) throws -> SymmetricKey {
        var master = keyring.withLock { $0.key(withID: secret.keyID) }
        if master == nil, let source {
            // Another process may have rotated the key file since we loaded it.
            if let reloaded = try? source.load() {
                keyring.withLock { $0 = reloaded }
                master = reloaded.key(withID: secret.keyID)
            }
        }
        guard let master else { throw VaultError.unknownMasterKey(id: secret.keyID) }
        guard let wrapped = Data(base64Encoded: secret.wrappedKey) else { throw VaultError.tamperedSecret(ownerID: secret.ownerID) }
        let raw = try Self.open(wrapped, key: master.key, context: "data-key:" + secret.ownerID, ownerID: secret.ownerID)
        return SymmetricKey(data: raw)
    }

    private func refreshIfChanged() {
        guard let source, source.hasChanged(), let reloaded = try? source.load() else { return }
        keyring.withLock { $0 = reloaded }
    }

    private static func seal(_ plaintext: Data, key: SymmetricKey, context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(("junction.vault.v1:" + context).utf8))
        guard let combined = box.combined else { throw VaultError.invalidMasterKey("AES-GCM produced no combined box") }
        return combined
    }

    private static func open(_ combined: Data, key: SymmetricKey, context: String, ownerID: String) throws -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return try AES.GCM.open(box, using: key, authenticating: Data(("junction.vault.v1:" + context).utf8))
        } catch {
            throw VaultError.tamperedSecret(ownerID: ownerID)
        }
    }
}

extension CredentialVault {
    /// The opened credentials of `ownerID` as stored in `secrets`; empty when it has none.
    public func credentials(of ownerID: String, in secrets: VaultSecretRepository) async throws -> [String: JSONValue] {
        guard let sealed = try await secrets.find(ownerID: ownerID) else { return [:] }
        return try open(sealed)
    }
}
