import JunctionCore

/// Why the vault could not seal, open or load keys. Messages name keys by fingerprint only.
public enum VaultError: JunctionError, Equatable {
    /// A master key is malformed.
    case invalidMasterKey(String)
    /// A secret was sealed by a key the keyring does not hold.
    case unknownMasterKey(id: String)
    /// A secret failed authentication: tampered with, moved to another owner, or a wrong key.
    case tamperedSecret(ownerID: String)
    /// The key file cannot be read or written.
    case keyFile(String)
    /// No master key is configured where one is required.
    case missingMasterKey(String)

    public var title: String { "Credential vault error" }

    public var detail: String {
        switch self {
        case .invalidMasterKey(let reason):
            "invalid master key: \(reason)"
        case .unknownMasterKey(let id):
            "a secret is sealed by master key \(id), which is not configured; add it to JUNCTION_MASTER_KEYS_RETIRED or restore the key file that holds it"
        case .tamperedSecret(let ownerID):
            "the sealed credentials of \(ownerID) failed authentication (modified in the database, or sealed under a different key)"
        case .keyFile(let reason):
            reason
        case .missingMasterKey(let reason):
            reason
        }
    }
}
