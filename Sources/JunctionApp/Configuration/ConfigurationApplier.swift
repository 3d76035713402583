import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionStore
import JunctionWebhooks
import Logging
import Synchronization

/// Reconciles the server to a configuration document: creates what the file adds, sets what changed since it was
/// last applied, and with `prune` deletes what an earlier file made and this one no longer names. Every entry is
/// checked before anything is written, so a file with a mistake changes nothing; a store or provider failure partway
/// leaves the steps before it done and recorded, and applying again carries on from there.
public struct ConfigurationApplier: Sendable {
    /// How a run goes.
    public struct Options: Sendable {
        /// Only plan: change nothing.
        public var dryRun: Bool
        /// Delete what an earlier file made and this one no longer names.
        public var prune: Bool
        /// Set every entry again, even one unchanged since it was last applied (undoes changes made by hand).
        public var force: Bool

        /// Options.
        public init(dryRun: Bool = false, prune: Bool = false, force: Bool = false) {
            (self.dryRun, self.prune, self.force) = (dryRun, prune, force)
        }
    }

    private let keys: ConfigKeyRepository
    private let leases: LeaseRepository
    private let vault: CredentialVault
    private let integrations: IntegrationService
    private let connections: ConnectionService
    private let endpoints: EndpointService
    private let syncs: SyncService
    private let database: Database
    private let logger: Logger

    /// An applier over the application's services.
    public init(
        database: Database, vault: CredentialVault, integrations: IntegrationService, connections: ConnectionService,
        endpoints: EndpointService, syncs: SyncService, logger: Logger
    ) {
        self.database = database
        self.keys = ConfigKeyRepository(database: database)
        self.leases = LeaseRepository(database: database)
        (self.vault, self.integrations, self.connections, self.endpoints, self.syncs) = (vault, integrations, connections, endpoints, syncs)
        self.logger = logger
    }

    /// The lease that keeps two applies (two nodes starting with the same file) from interleaving.
    static let lease = "configuration-apply"

    /// Plans and, unless `options.dryRun`, carries out the plan; returns it with the ids of what was made.
    public func apply(_ document: ConfigurationDocument, options: Options = Options()) async throws -> ConfigurationPlan {
        try Self.validate(document)
        let holder = UUID().uuidString
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !leases.acquire(Self.lease, holder: holder, for: .seconds(300)) {
            guard ContinuousClock.now < deadline else {
                throw ApplicationError(
                    kind: .conflict, code: "apply-in-progress", title: "Apply in progress",
                    detail: "another apply of a configuration has held the store for a minute; try again when it ends")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        do {
            let plan = try await reconcile(document, options: options)
            try? await leases.release(Self.lease, holder: holder)
            return plan
        } catch {
            try? await leases.release(Self.lease, holder: holder)
            throw error
        }
    }

    /// Checks what can be checked without the store: names (1 to 200 characters, no control characters, unique per
    /// kind) and that each integration's key is its name.
    public static func validate(_ document: ConfigurationDocument) throws(ApplicationError) {
        let named: [(ConfigurationPlan.Kind, [String])] = [
            (.integration, document.integrations.map(\.name)), (.connection, document.connections.map(\.name)),
            (.endpoint, document.endpoints.map(\.name)), (.sync, document.syncs.map(\.name)),
        ]
        for (kind, names) in named {
            guard names.count <= 1000 else {
                throw .invalid("a document declares at most 1000 of each kind, not \(names.count) \(kind.rawValue)s", code: "invalid-configuration")
            }
            var seen: Set<String> = []
            for name in names {
                guard name.unicodeScalars.count <= 200, ConnectionValidation.isPlainText(name, maximum: 200) else {
                    throw .invalid("\(kind.rawValue) names must be 1 to 200 characters without control characters", code: "invalid-configuration")
                }
                guard seen.insert(name).inserted else { throw .invalid("\(kind.rawValue) '\(name)' is declared twice", code: "invalid-configuration") }
            }
        }
        for entry in document.syncs where entry.draft.connectionID.unicodeScalars.count > 64 {
            throw .invalid("sync '\(entry.name)': a connection is named in at most 64 characters", code: "invalid-configuration")
        }
        for entry in document.integrations where entry.draft.key != entry.name {
            throw .invalid("integration '\(entry.name)' names another key, '\(entry.draft.key)'", code: "invalid-configuration")
        }
    }

    /// What is recorded of earlier applies, by kind and name.
    private typealias Recorded = [ConfigurationPlan.Kind: [String: ConfigKeyRepository.Entry]]

    private func reconcile(_ document: ConfigurationDocument, options: Options) async throws -> ConfigurationPlan {
        var recorded: Recorded = [:]
        for entry in try await keys.all() {
            guard let kind = ConfigurationPlan.Kind(rawValue: entry.kind) else { continue }
            recorded[kind, default: [:]][entry.name] = entry
        }
        var steps: [ConfigurationPlan.Step] = []
        var work: [@Sendable () async throws -> String] = []

        // Plan and check everything first: a mistake anywhere is found before anything is written.
        var plannedIntegrations: [String: IntegrationRecord] = [:]
        for entry in document.integrations {
            let (step, action) = try await Self.entry(.integration, entry.name) {
                plannedIntegrations[entry.name] = try integrations.check(entry.draft)
                return try await plan(integration: entry, recorded: recorded[.integration]?[entry.name], options: options)
            }
            steps.append(step)
            work.append(action)
        }
        var providers: [String: String] = [:]
        for entry in document.connections {
            let (step, action) = try await Self.entry(.connection, entry.name) {
                let planned = entry.draft.integration.flatMap { plannedIntegrations[$0] }
                providers[entry.name] = try await connections.check(entry.draft, integration: planned).name
                return try await plan(connection: entry, recorded: recorded[.connection]?[entry.name], options: options)
            }
            steps.append(step)
            work.append(action)
        }
        for entry in document.endpoints {
            let (step, action) = try await Self.entry(.endpoint, entry.name) {
                try await endpoints.check(entry.draft)
                return try await plan(endpoint: entry, recorded: recorded[.endpoint]?[entry.name], options: options)
            }
            steps.append(step)
            work.append(action)
        }
        // Syncs name connections of the file, whose ids some steps above are still to make.
        let connectionIDs = ConnectionIDs()
        for (index, entry) in document.connections.enumerated() {
            if let id = steps[document.integrations.count + index].resourceID { connectionIDs.set(entry.name, id) }
        }
        let connectionSteps = document.integrations.count..<(document.integrations.count + document.connections.count)
        for entry in document.syncs {
            let (step, action) = try await Self.entry(.sync, entry.name) {
                let reference = entry.draft.connectionID
                var provider = providers[reference]
                if provider == nil { provider = try await ConnectionRepository(database: database).find(id: reference)?.provider }
                guard let provider else {
                    throw ApplicationError.invalid(
                        "connection '\(reference)' is neither a connection of the file nor the id of an existing one", code: "invalid-configuration")
                }
                try syncs.check(entry.draft, provider: provider)
                return try await plan(
                    sync: entry, recorded: recorded[.sync]?[entry.name], fileConnections: Set(document.connections.map(\.name)),
                    connectionIDs: connectionIDs, options: options)
            }
            steps.append(step)
            work.append(action)
        }
        if options.prune {
            let declared: [ConfigurationPlan.Kind: Set<String>] = [
                .integration: Set(document.integrations.map(\.name)), .connection: Set(document.connections.map(\.name)),
                .endpoint: Set(document.endpoints.map(\.name)), .sync: Set(document.syncs.map(\.name)),
            ]
            // Deleted in the reverse order of creation: syncs before their connections, connections before integrations.
            for kind in ConfigurationPlan.Kind.allCases.reversed() {
                for (name, entry) in (recorded[kind] ?? [:]).sorted(by: { $0.key < $1.key }) where !(declared[kind]?.contains(name) ?? false) {
                    steps.append(.init(kind: kind, name: name, action: .delete, resourceID: entry.resourceID, reason: "no longer in the file"))
                    work.append { [self] in
                        try await delete(kind: kind, id: entry.resourceID)
                        try await keys.delete(kind: kind.rawValue, name: name)
                        return entry.resourceID
                    }
                }
            }
        }
        guard !options.dryRun else { return ConfigurationPlan(steps: steps, applied: false) }

        for index in steps.indices where steps[index].action != .unchanged {
            let step = steps[index]
            do {
                steps[index].resourceID = try await work[index]()
            } catch {
                let done = steps[..<index].filter { $0.action != .unchanged }.count
                throw Self.failure(of: step, done: done, error)
            }
            if connectionSteps.contains(index), let id = steps[index].resourceID { connectionIDs.set(step.name, id) }
            logger.info(
                "configuration applied", metadata: ["kind": "\(step.kind.rawValue)", "entry": "\(step.name)", "action": "\(step.action.rawValue)"])
        }
        return ConfigurationPlan(steps: steps, applied: true)
    }

    /// Runs the planning of one entry, naming the entry in what it throws.
    private static func entry<Result>(
        _ kind: ConfigurationPlan.Kind, _ name: String, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as ApplicationError {
            let prefix = "\(kind.rawValue) '\(name)': "
            guard !error.detail.hasPrefix(prefix) else { throw error }
            throw ApplicationError(kind: error.kind, code: error.code, title: error.title, detail: prefix + error.detail, details: error.details)
        }
    }

    /// The ids of the file's connections, filled in as they are made so the syncs after them find them.
    private final class ConnectionIDs: Sendable {
        private let ids = Mutex<[String: String]>([:])
        func set(_ name: String, _ id: String) { ids.withLock { $0[name] = id } }
        func id(of name: String) -> String? { ids.withLock { $0[name] } }
    }

    /// A step's failure, saying which entry and how far the apply got.
    private static func failure(of step: ConfigurationPlan.Step, done: Int, _ error: any Error) -> ApplicationError {
        let prefix = "\(step.kind.rawValue) '\(step.name)' (\(step.action.rawValue)) failed after \(done) completed steps, which stay applied"
        if let error = error as? ApplicationError {
            return ApplicationError(kind: error.kind, code: error.code, title: error.title, detail: "\(prefix): \(error.detail)", details: error.details)
        }
        return ApplicationError(kind: .unprocessable, code: "apply-failed", title: "Apply failed", detail: "\(prefix): \(error)")
    }

    /// Decides what happens to an entry: whether it exists (made by an earlier apply) and whether it changed.
    private func decide(
        kind: ConfigurationPlan.Kind, name: String, canonical: Data, recorded: ConfigKeyRepository.Entry?, exists: Bool, options: Options
    ) -> (action: ConfigurationPlan.Action, reason: String?, fingerprint: String) {
        let fingerprint = vault.fingerprint(Data(kind.rawValue.utf8) + Data([0]) + canonical)
        guard let recorded, exists else { return (.create, recorded == nil ? nil : "its resource was deleted by hand", fingerprint) }
        if options.force { return (.update, "forced", fingerprint) }
        if recorded.fingerprint == fingerprint { return (.unchanged, nil, fingerprint) }
        return (.update, "changed since last applied", fingerprint)
    }

    private func record(_ kind: ConfigurationPlan.Kind, _ name: String, id: String, fingerprint: String) async throws {
        try await keys.save(.init(kind: kind.rawValue, name: name, resourceID: id, fingerprint: fingerprint, appliedAt: Date()))
    }

    private typealias Planned = (step: ConfigurationPlan.Step, action: @Sendable () async throws -> String)

    private func plan(
        integration entry: ConfigurationDocument.Entry<IntegrationService.Draft>, recorded: ConfigKeyRepository.Entry?, options: Options
    ) async throws -> Planned {
        let existing = try await IntegrationRepository(database: database).find(key: entry.name)
        if let existing, existing.provider != entry.draft.provider {
            throw ApplicationError.invalid(
                "it is for provider '\(existing.provider)' and cannot become one for '\(entry.draft.provider)'; "
                    + "delete it first or give the entry another key", code: "invalid-configuration")
        }
        let decided = decide(
            kind: .integration, name: entry.name, canonical: entry.canonical, recorded: recorded, exists: existing != nil, options: options)
        let adopted = recorded == nil && existing != nil
        let (action, reason, fingerprint) = adopted ? (.update, "adopts the existing integration", decided.fingerprint) : decided
        let step = ConfigurationPlan.Step(kind: .integration, name: entry.name, action: action, resourceID: entry.name, reason: reason)
        return (
            step,
            { [self] in
                switch action {
                case .create: _ = try await integrations.create(entry.draft)
                case .update: _ = try await integrations.replace(with: entry.draft)
                case .unchanged, .delete: break
                }
                try await record(.integration, entry.name, id: entry.name, fingerprint: fingerprint)
                return entry.name
            }
        )
    }

    private func plan(
        connection entry: ConfigurationDocument.Entry<ConnectionService.Draft>, recorded: ConfigKeyRepository.Entry?, options: Options
    ) async throws -> Planned {
        let current = try await recorded.asyncMap { try await ConnectionRepository(database: database).find(id: $0.resourceID) } ?? nil
        if let current {
            let integrationKey = try await current.integrationID.asyncMap { try await IntegrationRepository(database: database).find(id: $0)?.key }
            if (integrationKey ?? nil) != entry.draft.integration || (entry.draft.provider.map { $0 != current.provider } ?? false) {
                throw ApplicationError.invalid(
                    "a connection cannot change its provider or integration; delete it first or give the entry another name",
                    code: "invalid-configuration")
            }
        }
        let (action, reason, fingerprint) = decide(
            kind: .connection, name: entry.name, canonical: entry.canonical, recorded: recorded, exists: current != nil, options: options)
        let step = ConfigurationPlan.Step(kind: .connection, name: entry.name, action: action, resourceID: current?.id, reason: reason)
        return (
            step,
            { [self] in
                let id: String
                switch action {
                case .create: id = try await connections.create(entry.draft).record.id
                case .update, .unchanged, .delete:
                    id = current?.id ?? ""
                    _ = try await connections.replace(id: id, with: entry.draft)
                }
                try await record(.connection, entry.name, id: id, fingerprint: fingerprint)
                return id
            }
        )
    }

    private func plan(
        endpoint entry: ConfigurationDocument.Entry<EndpointService.Draft>, recorded: ConfigKeyRepository.Entry?, options: Options
    ) async throws -> Planned {
        let current = await recorded.asyncMap { try? await endpoints.find(id: $0.resourceID) } ?? nil
        let (action, reason, fingerprint) = decide(
            kind: .endpoint, name: entry.name, canonical: entry.canonical, recorded: recorded, exists: current != nil, options: options)
        let changes = try EndpointService.replacing(with: entry.draft)
        let step = ConfigurationPlan.Step(kind: .endpoint, name: entry.name, action: action, resourceID: current?.id, reason: reason)
        return (
            step,
            { [self] in
                let id: String
                switch action {
                case .create: id = try await endpoints.create(entry.draft).endpoint.id
                case .update, .unchanged, .delete:
                    id = current?.id ?? ""
                    _ = try await endpoints.update(id: id, changes)
                }
                try await record(.endpoint, entry.name, id: id, fingerprint: fingerprint)
                return id
            }
        )
    }

    private func plan(
        sync entry: ConfigurationDocument.SyncEntry, recorded: ConfigKeyRepository.Entry?, fileConnections: Set<String>,
        connectionIDs: ConnectionIDs, options: Options
    ) async throws -> Planned {
        let reference = entry.draft.connectionID
        let inFile = fileConnections.contains(reference)
        let knownConnection = inFile ? connectionIDs.id(of: reference) : reference
        var found = await recorded.asyncMap { try? await syncs.sync(id: $0.resourceID) } ?? nil
        var adopted = false
        if found == nil, let knownConnection {
            found = try await SyncRepository(database: database).list(
                .init(connectionID: knownConnection, resource: entry.draft.resource), after: nil, limit: 1
            ).first
            adopted = found != nil
        }
        let current = found
        if let current, current.connectionID != knownConnection || current.resource != entry.draft.resource {
            throw ApplicationError.invalid(
                "a sync cannot change its connection or resource; delete it first or give the entry another name",
                code: "invalid-configuration")
        }
        let decided = decide(
            kind: .sync, name: entry.name, canonical: entry.canonical, recorded: recorded, exists: current != nil, options: options)
        let (action, reason, fingerprint) =
            adopted ? (.update, "adopts the existing sync of the connection and resource", decided.fingerprint) : decided
        let step = ConfigurationPlan.Step(kind: .sync, name: entry.name, action: action, resourceID: current?.id, reason: reason)
        let existingID = current?.id
        return (
            step,
            { [self] in
                var draft = entry.draft
                if inFile {
                    guard let id = connectionIDs.id(of: reference) else {
                        throw ApplicationError.invalid("sync '\(entry.name)': connection '\(reference)' was not made", code: "invalid-configuration")
                    }
                    draft.connectionID = id
                }
                let id: String
                if let existingID {
                    id = existingID
                    _ = try await syncs.update(id: id, SyncService.replacing(with: draft))
                } else {
                    id = try await syncs.create(draft).id
                }
                try await record(.sync, entry.name, id: id, fingerprint: fingerprint)
                return id
            }
        )
    }

    private func delete(kind: ConfigurationPlan.Kind, id: String) async throws {
        do {
            switch kind {
            case .integration: try await integrations.delete(key: id)
            case .connection: try await connections.delete(id: id)
            case .endpoint: try await endpoints.delete(id: id)
            case .sync: try await syncs.delete(id: id)
            }
        } catch let error as ApplicationError where error.kind == .notFound {
            // Deleted by hand already: nothing left to do.
        }
    }
}

extension Optional {
    /// `map` with an asynchronous transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
