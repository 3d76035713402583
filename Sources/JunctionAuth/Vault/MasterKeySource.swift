import Foundation
import JunctionCore
import Synchronization

/// Where a vault's master keys come from.
public protocol MasterKeySource: Sendable {
    /// Reads the keyring.
    func load() throws -> MasterKeyring
    /// Whether the keys may have changed since the last ``load()``; cheap, checked before each seal.
    func hasChanged() -> Bool
}

/// Keys from the environment: `JUNCTION_MASTER_KEY` seals, `JUNCTION_MASTER_KEYS_RETIRED` (comma-separated)
/// still open older secrets. The way to configure several PostgreSQL nodes alike.
public struct EnvironmentMasterKeySource: MasterKeySource {
    let current: String
    let retired: String?

    /// A source over the two variables' values.
    public init(current: String, retired: String?) {
        self.current = current
        self.retired = retired
    }

    public func load() throws -> MasterKeyring {
        let current: MasterKey
        do {
            current = try MasterKey(base64: self.current)
        } catch {
            throw VaultError.invalidMasterKey("JUNCTION_MASTER_KEY: \(error.detail)")
        }
        var retiredKeys: [MasterKey] = []
        for (index, text) in (retired ?? "").split(separator: ",").enumerated() {
            do {
                retiredKeys.append(try MasterKey(base64: String(text)))
            } catch {
                throw VaultError.invalidMasterKey("JUNCTION_MASTER_KEYS_RETIRED entry \(index + 1): \(error.detail)")
            }
        }
        return MasterKeyring(current: current, retired: retiredKeys)
    }

    public func hasChanged() -> Bool { false }
}

/// Keys in a file readable by its owner only (mode 0600): one base64 key per line, the current key first,
/// retired keys after it. The embedded default; `junction keys rotate` rewrites it, and a running server
/// notices the change and reloads.
public final class MasterKeyFile: MasterKeySource {
    /// The file's path.
    public let path: String
    private let lastSeen = Mutex<FileStamp?>(nil)

    private struct FileStamp: Equatable {
        var modified: Date
        var size: Int
        var inode: Int
    }

    /// A key file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// Whether the file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    public func load() throws -> MasterKeyring {
        let stamp = currentStamp()
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw VaultError.keyFile("cannot read the master key file \(path): \(error.localizedDescription)")
        }
        var keys: [MasterKey] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                keys.append(try MasterKey(base64: trimmed))
            } catch {
                throw VaultError.keyFile("master key file \(path), line \(number + 1): \(error.detail)")
            }
        }
        guard let current = keys.first else { throw VaultError.keyFile("master key file \(path) holds no key") }
        lastSeen.withLock { $0 = stamp }
        return MasterKeyring(current: current, retired: Array(keys.dropFirst()))
    }

    public func hasChanged() -> Bool {
        let stamp = currentStamp()
        return lastSeen.withLock { $0 != stamp }
    }

    /// Replaces the file's contents atomically (write, fsync, rename), readable by the owner only.
    public func write(_ keyring: MasterKeyring) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let lines =
            [
                "# Junction master keys. Back this file up: without it the stored credentials cannot be read.",
                "# The first key seals new secrets; later keys are retired and only open older ones.",
            ] + keyring.ids.compactMap { id in keyring.key(withID: id)?.base64 }
        let temporary = path + ".tmp-\(getpid())"
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard descriptor >= 0 else { throw VaultError.keyFile("cannot create \(temporary): errno \(errno)") }
            let data = Data((lines.joined(separator: "\n") + "\n").utf8)
            let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            fsync(descriptor)
            close(descriptor)
            guard written == data.count else { throw VaultError.keyFile("cannot write \(temporary): errno \(errno)") }
            guard rename(temporary, path) == 0 else { throw VaultError.keyFile("cannot replace \(path): errno \(errno)") }
        } catch let error as VaultError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw VaultError.keyFile("cannot write the master key file \(path): \(error.localizedDescription)")
        }
    }

    private func currentStamp() -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return FileStamp(
            modified: (attributes[.modificationDate] as? Date) ?? .distantPast,
            size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
            inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? 0
        )
    }

}
