import Foundation
import JunctionCore
import JunctionStore

/// Re-seals every data key under the vault's current master key, in batches, while servers keep running.
///
/// Each row is replaced only if it still holds what was read (compare-and-swap), so a credential a server
/// changed meanwhile is never overwritten; such rows, and rows a server sealed with an older key mid-rotation,
/// are picked up by the next pass. The payloads are never decrypted to disk and never leave memory.
public struct VaultKeyRotation: Sendable {
    let vault: CredentialVault
    let secrets: VaultSecretRepository

    /// A rotation of `secrets` to `vault`'s current key.
    public init(vault: CredentialVault, secrets: VaultSecretRepository) {
        self.vault = vault
        self.secrets = secrets
    }

    /// What a rotation did.
    public struct Summary: Sendable, Equatable {
        /// Data keys re-sealed.
        public var rewrapped: Int
        /// Passes over the table.
        public var passes: Int
    }

    /// Runs passes until no secret is sealed by another key (at most `maximumPasses`); `progress` is told the
    /// running count after each batch.
    public func run(
        batchSize: Int = 200,
        maximumPasses: Int = 5,
        progress: @Sendable (Int) -> Void = { _ in }
    ) async throws -> Summary {
        let target = vault.currentKeyring.current.id
        var summary = Summary(rewrapped: 0, passes: 0)
        while summary.passes < maximumPasses {
            summary.passes += 1
            var cursor: String?
            var sawAny = false
            while true {
                let batch = try await secrets.secrets(notSealedBy: target, after: cursor, limit: batchSize)
                guard let last = batch.last else { break }
                sawAny = true
                for secret in batch {
                    let rewrapped = try vault.rewrap(secret)
                    if try await secrets.replaceWrapping(of: secret, with: rewrapped) {
                        summary.rewrapped += 1
                    }
                }
                progress(summary.rewrapped)
                cursor = last.ownerID
            }
            if !sawAny { return summary }
        }
        let remaining = try await secrets.countByKeyID().filter { $0.key != target }.values.reduce(0, +)
        if remaining > 0 {
            throw VaultError.keyFile(
                "\(remaining) secrets are still sealed by older keys after \(maximumPasses) passes; run the rotation again")
        }
        return summary
    }
}
