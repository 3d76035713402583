import Foundation
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionTestSupport
import Testing

@Suite("Credential vault")
struct CredentialVaultTests {
    static let credentials: [String: JSONValue] = [
        "apiKey": "sk_test_PLAINTEXTCANARY4242",
        "webhookSecret": "whsec_CANARYWEBHOOK0001",
        "serviceAccountKey": ["private_key": "-----BEGIN PRIVATE KEY-----CANARYKEY"],
    ]

    @Test("sealed credentials open to the same values, and only for their owner")
    func roundTrip() throws {
        let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
        let sealed = try vault.seal(Self.credentials, ownerID: "conn_A")
        #expect(try vault.open(sealed) == Self.credentials)
        #expect(!sealed.ciphertext.contains("CANARY"))
        // Each secret has its own data key: sealing the same value twice gives different bytes.
        #expect(try vault.seal(Self.credentials, ownerID: "conn_A").ciphertext != sealed.ciphertext)
        // A ciphertext copied onto another row fails authentication.
        var moved = sealed
        moved.ownerID = "conn_B"
        #expect(throws: VaultError.tamperedSecret(ownerID: "conn_B")) { try vault.open(moved) }
        // A flipped byte fails authentication.
        var tampered = sealed
        var bytes = try #require(Data(base64Encoded: sealed.ciphertext))
        bytes[bytes.count / 2] ^= 0x01
        tampered.ciphertext = bytes.base64EncodedString()
        #expect(throws: VaultError.tamperedSecret(ownerID: "conn_A")) { try vault.open(tampered) }
    }

    @Test("a secret sealed by a key that is not on the ring is refused with its fingerprint")
    func unknownKey() throws {
        let sealed = try CredentialVault(keyring: MasterKeyring(current: .generate())).seal(Self.credentials, ownerID: "conn_A")
        let other = CredentialVault(keyring: MasterKeyring(current: .generate()))
        #expect(throws: VaultError.unknownMasterKey(id: sealed.keyID)) { try other.open(sealed) }
    }

    @Test("master keys parse from base64 and refuse the wrong length")
    func masterKeyParsing() throws {
        let key = MasterKey.generate()
        #expect(try MasterKey(base64: key.base64).id == key.id)
        #expect(key.id.count == 16)
        #expect(throws: VaultError.self) { try MasterKey(base64: Data(repeating: 1, count: 16).base64EncodedString()) }
        #expect(throws: VaultError.self) { try MasterKey(base64: "not base64!") }
    }

    @Test("secrets are masked to a recognisable hint")
    func masking() {
        #expect(SecretMask.mask("sk_test_4eC39HqLyjWDarjtT1zdp7dc4242") == "sk_test_…4242")
        #expect(SecretMask.mask("whsec_abcdefghijklmnop") == "whsec_…mnop")
        #expect(SecretMask.mask("abcdefghijklmnopqrstuvwxyz") == "…wxyz")
        #expect(SecretMask.mask("short") == "••••")
        // A random key that merely contains an underscore shows nothing but its last four characters.
        #expect(SecretMask.mask("aB3dE9f_xyz0QwErTy") == "…ErTy")
        #expect(SecretMask.mask("xoxb-1234567890-abcdefghij") == "xoxb-…ghij")
    }

    @Test("the raw database holds no plaintext secret", arguments: TestEngine.available)
    func noPlaintextAtRest(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, test in
            let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
            let repository = ConnectionRepository(database: database)
            for index in 0..<20 {
                let id = ResourceID.make(prefix: "conn")
                let record = ConnectionRecord(
                    id: id, provider: "stripe", name: "n\(index)", settings: [:], createdAt: Date(), updatedAt: Date())
                try await repository.insert(record, secret: try vault.seal(Self.credentials, ownerID: id))
            }
            let raw = try await test.rawContents()
            #expect(raw.count > 1000, "the raw contents were read")
            for canary in ["PLAINTEXTCANARY", "CANARYWEBHOOK", "CANARYKEY"] {
                #expect(raw.range(of: Data(canary.utf8)) == nil, "\(canary) found in the raw database")
            }
            // The connection names are there in the clear, so the check reads the right bytes.
            #expect(raw.range(of: Data("n19".utf8)) != nil)
        }
    }

    @Test("rotation re-seals every data key and every credential stays readable", arguments: TestEngine.available)
    func rotation(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let oldKey = MasterKey.generate()
            let vault = CredentialVault(keyring: MasterKeyring(current: oldKey))
            let secrets = VaultSecretRepository(database: database)
            var expected: [String: [String: JSONValue]] = [:]
            for index in 0..<450 {
                let owner = "conn_\(String(format: "%04d", index))"
                let credentials: [String: JSONValue] = ["apiKey": .string("sk_test_\(index)_\(UUID().uuidString)")]
                expected[owner] = credentials
                try await secrets.save(try vault.seal(credentials, ownerID: owner))
            }
            let newKey = MasterKey.generate()
            vault.use(MasterKeyring(current: newKey, retired: [oldKey]))
            let progress = ProgressRecorder()
            let summary = try await VaultKeyRotation(vault: vault, secrets: secrets).run(batchSize: 100) { progress.record($0) }
            #expect(summary.rewrapped == 450)
            #expect(progress.values.last == 450)
            #expect(try await secrets.countByKeyID() == [newKey.id: 450])
            // Only the new key is needed now.
            let reader = CredentialVault(keyring: MasterKeyring(current: newKey))
            for (owner, credentials) in expected {
                #expect(try reader.open(#require(try await secrets.find(ownerID: owner))) == credentials)
            }
            // A second rotation to the same key has nothing to do.
            #expect(try await VaultKeyRotation(vault: vault, secrets: secrets).run().rewrapped == 0)
        }
    }

    @Test("rotation never overwrites a credential changed while it ran", arguments: TestEngine.available)
    func rotationCompareAndSwap(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let oldKey = MasterKey.generate()
            let vault = CredentialVault(keyring: MasterKeyring(current: oldKey))
            let secrets = VaultSecretRepository(database: database)
            let original = try vault.seal(["apiKey": "sk_test_original_value"], ownerID: "conn_1")
            try await secrets.save(original)
            // A server re-seals the credential (a PATCH) after the rotation read it but before it wrote.
            let changed = try vault.seal(["apiKey": "sk_test_changed_value"], ownerID: "conn_1")
            try await secrets.save(changed)
            vault.use(MasterKeyring(current: .generate(), retired: [oldKey]))
            #expect(try await secrets.replaceWrapping(of: original, with: try vault.rewrap(original)) == false)
            #expect(try vault.open(#require(try await secrets.find(ownerID: "conn_1"))) == ["apiKey": "sk_test_changed_value"])
        }
    }

    @Test("a key file is written owner-only, and a vault reloads it when another process rotates it")
    func keyFileReload() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = MasterKeyFile(path: folder + "/master.key")
        let first = MasterKey.generate()
        try file.write(MasterKeyring(current: first))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let serverVault = try CredentialVault(source: file)
        let sealedBefore = try serverVault.seal(["token": "before-rotation-token"], ownerID: "conn_1")

        // Another process (junction keys rotate) writes a new key in front of the old one.
        let second = MasterKey.generate()
        try MasterKeyFile(path: file.path).write(MasterKeyring(current: second, retired: [first]))
        let rotatorVault = try CredentialVault(source: MasterKeyFile(path: file.path))
        let sealedAfter = try rotatorVault.seal(["token": "after-rotation-token"], ownerID: "conn_2")

        #expect(try serverVault.open(sealedAfter) == ["token": "after-rotation-token"])
        #expect(try serverVault.open(sealedBefore) == ["token": "before-rotation-token"])
        #expect(try serverVault.seal(["x": "yyyyyyyy"], ownerID: "conn_3").keyID == second.id)
    }

    @Test("start-up refuses a database whose secrets no configured key opens", arguments: TestEngine.available)
    func bootstrapRefusesUnknownKeys(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, test in
            let secrets = VaultSecretRepository(database: database)
            let key = MasterKey.generate()
            try await secrets.save(
                try CredentialVault(keyring: MasterKeyring(current: key)).seal(["a": "bbbbbbbbbbbbbbbb"], ownerID: "conn_1"))
            await #expect(throws: VaultError.unknownMasterKey(id: key.id)) {
                try await VaultBootstrap.open(
                    environmentKey: MasterKey.generate().base64, retiredKeys: nil, keyFilePath: nil,
                    dialect: engine == .sqlite ? .sqlite : .postgres, secrets: secrets
                )
            }
            if engine == .sqlite {
                // A missing key file is not silently replaced while secrets exist.
                await #expect(throws: VaultError.self) {
                    try await VaultBootstrap.open(
                        environmentKey: nil, retiredKeys: nil, keyFilePath: test.folder + "/master.key",
                        dialect: .sqlite, secrets: secrets
                    )
                }
                #expect(!FileManager.default.fileExists(atPath: test.folder + "/master.key"))
            } else {
                // PostgreSQL needs the key in the environment.
                await #expect(throws: VaultError.self) {
                    try await VaultBootstrap.open(
                        environmentKey: nil, retiredKeys: nil, keyFilePath: nil, dialect: .postgres, secrets: secrets)
                }
            }
            let retiredOK = try await VaultBootstrap.open(
                environmentKey: MasterKey.generate().base64, retiredKeys: key.base64, keyFilePath: nil,
                dialect: engine == .sqlite ? .sqlite : .postgres, secrets: secrets
            )
            #expect(retiredOK.vault.currentKeyring.ids.contains(key.id))
        }
    }
}

/// Collects progress reports.
final class ProgressRecorder: Sendable {
    private let storage = SynchronizedArray()

    func record(_ value: Int) { storage.append(value) }

    var values: [Int] { storage.values }
}
