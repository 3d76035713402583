import ArgumentParser
import Foundation
import JunctionAuth
import JunctionStore

/// `junction keys`: the master keys that seal stored credentials.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate, inspect and rotate the master key that seals stored credentials.",
        subcommands: [Generate.self, Status.self, Rotate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random master key (base64 of 32 bytes) for JUNCTION_MASTER_KEY."
        )

        func run() {
            print(MasterKey.generate().base64)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the configured master keys (by fingerprint) and how many secrets each one seals."
        )

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let logger = try store.makeLogger(label: "junction.keys")
            try await store.withStore(logger: logger) { database in
                let outcome = try await store.openVault(database: database)
                let keyring = outcome.vault.currentKeyring
                let counts = try await VaultSecretRepository(database: database).countByKeyID()
                print("source: \(outcome.keyFile.map { "key file \($0.path)" } ?? "JUNCTION_MASTER_KEY")")
                for id in keyring.ids {
                    let role = id == keyring.current.id ? "current" : "retired"
                    print("\(id)  \(role)  seals \(counts[id] ?? 0) secret(s)")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every credential's data key under a new master key, while servers keep running.",
            discussion: """
                With the embedded default (a key file), this generates a new key, puts it first in the key file \
                (the old key stays as retired), and re-seals every data key under it. Running servers notice the \
                changed file and load the new key; no credential becomes unreadable at any moment.

                With JUNCTION_MASTER_KEY (PostgreSQL): first give every node the new key as JUNCTION_MASTER_KEY \
                and the old one in JUNCTION_MASTER_KEYS_RETIRED (a rolling restart), then run this command with \
                the same environment: it re-seals every data key still under a retired key. After it reports \
                zero remaining, the retired key can be dropped.
                """
        )

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let logger = try store.makeLogger(label: "junction.keys")
            try await store.withStore(logger: logger) { database in
                let outcome = try await store.openVault(database: database)
                let vault = outcome.vault
                if let file = outcome.keyFile {
                    let old = vault.currentKeyring
                    let rotated = MasterKeyring(current: .generate(), retired: [old.current] + old.retired)
                    do {
                        try file.write(rotated)
                    } catch let error as VaultError {
                        throw CLIError(error.detail)
                    }
                    vault.use(rotated)
                    print("new master key \(rotated.current.id) written to \(file.path); \(old.current.id) is retired")
                }
                let secrets = VaultSecretRepository(database: database)
                let target = vault.currentKeyring.current.id
                let pending = try await secrets.countByKeyID().filter { $0.key != target }.values.reduce(0, +)
                let progress = ProgressBar(label: "re-sealing data keys", total: pending)
                let summary: VaultKeyRotation.Summary
                do {
                    summary = try await VaultKeyRotation(vault: vault, secrets: secrets).run { progress.update($0) }
                } catch let error as VaultError {
                    progress.finish()
                    throw CLIError(error.detail)
                }
                progress.finish()
                print("re-sealed \(summary.rewrapped) data key(s) under master key \(target)")
            }
        }
    }
}
