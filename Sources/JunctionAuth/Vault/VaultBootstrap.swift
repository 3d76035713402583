import Foundation
import JunctionCore
import JunctionStore

/// Finds the master keys a server or CLI command starts with, and refuses to start in a state that would
/// lose credentials: a database whose secrets no configured key can open.
public enum VaultBootstrap {
    /// Where the keys were found, and what the operator must be told.
    public struct Outcome: Sendable {
        /// The vault to use.
        public let vault: CredentialVault
        /// The key file in use, when keys come from a file.
        public let keyFile: MasterKeyFile?
        /// A one-time warning to print (a key was just generated), if any.
        public let warning: String?
    }

    /// Resolves the keys: `JUNCTION_MASTER_KEY` when set; otherwise, on SQLite only, the key file, generated
    /// on first start. On PostgreSQL a missing key is an error, since every node must share one key.
    public static func open(
        environmentKey: String?,
        retiredKeys: String?,
        keyFilePath: String?,
        dialect: SQLDialectKind,
        secrets: VaultSecretRepository
    ) async throws -> Outcome {
        let outcome: Outcome
        if let environmentKey, !environmentKey.isEmpty {
            let vault = try CredentialVault(source: EnvironmentMasterKeySource(current: environmentKey, retired: retiredKeys))
            outcome = Outcome(vault: vault, keyFile: nil, warning: nil)
        } else if dialect == .postgres || keyFilePath == nil {
            throw VaultError.missingMasterKey(
                "JUNCTION_MASTER_KEY is not set. With PostgreSQL every node must share one master key: generate one with `junction keys generate` and set JUNCTION_MASTER_KEY to it on every node."
            )
        } else if let keyFilePath {
            let file = MasterKeyFile(path: keyFilePath)
            if file.exists {
                outcome = Outcome(vault: try CredentialVault(source: file), keyFile: file, warning: nil)
            } else {
                let existing = try await secrets.countByKeyID()
                if !existing.isEmpty {
                    throw VaultError.missingMasterKey(
                        "the master key file \(keyFilePath) is missing, but the database holds \(existing.values.reduce(0, +)) secrets sealed by key(s) \(existing.keys.sorted().joined(separator: ", ")). Restore the file from your backup or set JUNCTION_MASTER_KEY; a new key could not open them."
                    )
                }
                try file.write(MasterKeyring(current: .generate()))
                outcome = Outcome(
                    vault: try CredentialVault(source: file),
                    keyFile: file,
                    warning:
                        "generated a new master key in \(keyFilePath) (mode 0600). Back this file up: without it the stored credentials cannot be read."
                )
            }
        } else {
            throw VaultError.missingMasterKey("no master key configured; set JUNCTION_MASTER_KEY")
        }
        let known = Set(outcome.vault.currentKeyring.ids)
        if let missing = try await secrets.countByKeyID().keys.sorted().first(where: { !known.contains($0) }) {
            throw VaultError.unknownMasterKey(id: missing)
        }
        return outcome
    }
}
