import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// The application's syncs: created for a connection's resource, changed, paused, resumed, reset, run on request, and
/// read back with their runs and their change feed. The work itself is ``SyncRunner``'s, started by ``SyncScheduler``.
public struct SyncService: Sendable {
    /// What a sync is created with; `nil` members take their defaults (incremental, every hour, not real-time).
    public struct Draft: Sendable {
        /// The connection whose provider is read.
        public var connectionID: String
        /// The resource kept.
        public var resource: String
        /// How scheduled runs read.
        public var mode: SyncDefinition.Mode?
        /// The schedule, as people write it (`15m`).
        public var every: String?
        /// Whether webhooks update the store between runs.
        public var realtime: Bool?
        /// Direction and conflict rules.
        public var twoWay: TwoWaySettings

        /// A draft.
        public init(
            connectionID: String, resource: String, mode: SyncDefinition.Mode? = nil, every: String? = nil, realtime: Bool? = nil,
            twoWay: TwoWaySettings = .init()
        ) {
            self.connectionID = connectionID
            self.resource = resource
            self.mode = mode
            self.every = every
            self.realtime = realtime
            self.twoWay = twoWay
        }
    }

    /// What a change sets; `nil` leaves a member as it is.
    public struct Changes: Sendable {
        /// A new mode.
        public var mode: SyncDefinition.Mode?
        /// A new schedule.
        public var every: String?
        /// Real-time updates on or off.
        public var realtime: Bool?
        /// Direction and conflict rules.
        public var twoWay: TwoWaySettings

        /// A change.
        public init(mode: SyncDefinition.Mode? = nil, every: String? = nil, realtime: Bool? = nil, twoWay: TwoWaySettings = .init()) {
            self.mode = mode
            self.every = every
            self.realtime = realtime
            self.twoWay = twoWay
        }
    }

    /// A change that sets every setting to `draft`'s, defaults where it has none, as a configuration file declares
    /// the sync (a `localKeyField` once set is kept).
    public static func replacing(with draft: Draft) -> Changes {
        let defaults = SyncDefinition(connectionID: draft.connectionID, resource: draft.resource, mode: .incremental, everySeconds: 0, realtime: false, firstRunAt: Date())
        let asked = draft.twoWay
        return Changes(
            mode: draft.mode ?? defaults.mode, every: draft.every ?? defaultEvery, realtime: draft.realtime ?? defaults.realtime,
            twoWay: TwoWaySettings(
                direction: asked.direction ?? defaults.direction, conflictPolicy: asked.conflictPolicy ?? defaults.mergePolicy.record,
                fieldPolicies: asked.fieldPolicies ?? defaults.mergePolicy.fields, deletePolicy: asked.deletePolicy ?? defaults.mergePolicy.deletes,
                keepFilledValues: asked.keepFilledValues ?? defaults.mergePolicy.keepFilledValues, localKeyField: asked.localKeyField))
    }

    /// Checks `draft` as creating it would, writing nothing (a configuration's dry run), for a connection to `provider`.
    public func check(_ draft: Draft, provider: String) throws(ApplicationError) {
        guard let connector = catalog.connector(named: provider) else {
            throw .invalid("field 'connectionId': this server has no connector for the connection's provider '\(provider)'", code: "invalid-field")
        }
        let resource = try Self.listable(draft.resource, of: connector)
        _ = try SyncInterval.seconds(draft.every ?? Self.defaultEvery)
        var sync = SyncDefinition(
            connectionID: draft.connectionID, resource: resource.name, mode: .incremental, everySeconds: 0, realtime: false, firstRunAt: Date())
        try draft.twoWay.apply(to: &sync, resource: resource)
    }

    /// A sync's two-way settings as asked for; `nil` members keep their value (their default, at creation).
    public struct TwoWaySettings: Sendable {
        /// Which way records travel.
        public var direction: SyncDefinition.Direction?
        /// The policy of fields without one of their own.
        public var conflictPolicy: ConflictPolicy?
        /// Policies of single fields (replacing all the earlier ones).
        public var fieldPolicies: [String: ConflictPolicy]?
        /// Deletion against edit.
        public var deletePolicy: DeletePolicy?
        /// Whether blanks never erase filled values.
        public var keepFilledValues: Bool?
        /// The provider field created records carry the application's key in.
        public var localKeyField: String?

        /// Settings.
        public init(
            direction: SyncDefinition.Direction? = nil, conflictPolicy: ConflictPolicy? = nil, fieldPolicies: [String: ConflictPolicy]? = nil,
            deletePolicy: DeletePolicy? = nil, keepFilledValues: Bool? = nil, localKeyField: String? = nil
        ) {
            self.direction = direction
            self.conflictPolicy = conflictPolicy
            self.fieldPolicies = fieldPolicies
            self.deletePolicy = deletePolicy
            self.keepFilledValues = keepFilledValues
            self.localKeyField = localKeyField
        }

        /// Applies the settings to `sync`, checked against its resource.
        func apply(to sync: inout SyncDefinition, resource: ResourceDescriptor) throws(ApplicationError) {
            if let direction {
                if direction.acceptsLocalChanges, !resource.operations.contains(.get) || !resource.operations.contains(.update) {
                    throw .invalid(
                        "field 'direction': \(resource.name) cannot be read one by one and updated, so changes cannot be pushed to it",
                        code: "invalid-field")
                }
                sync.direction = direction
            }
            if let conflictPolicy { sync.mergePolicy.record = conflictPolicy }
            if let fieldPolicies {
                if let bad = fieldPolicies.keys.first(where: { $0.isEmpty || $0.count > 200 }) {
                    throw .invalid("field 'fieldPolicies': '\(bad.prefix(200))' is not a field name", code: "invalid-field")
                }
                sync.mergePolicy.fields = fieldPolicies
            }
            if let deletePolicy { sync.mergePolicy.deletes = deletePolicy }
            if let keepFilledValues { sync.mergePolicy.keepFilledValues = keepFilledValues }
            if let localKeyField {
                guard JSONPath(localKeyField) != nil, !localKeyField.isEmpty, localKeyField.count <= 200 else {
                    throw .invalid("field 'localKeyField': '\(localKeyField.prefix(200))' is not a field path (metadata.junction_key)", code: "invalid-field")
                }
                sync.localKeyField = localKeyField
            }
        }
    }

    /// A page of the change feed.
    public struct FeedPage: Sendable {
        /// The records, in change order.
        public var entries: [FeedEntry]
        /// Where the next read starts (the same cursor when nothing changed).
        public var nextCursor: String
        /// Whether more changes were waiting.
        public var hasMore: Bool
    }

    /// The schedule of a sync created without one.
    public static let defaultEvery = "1h"
    /// Feed records per page when none is asked for, and the most.
    public static let defaultFeedLimit = 100, maximumFeedLimit = 1000

    private let database: Database
    private let queue: JobQueue
    private let catalog: ProviderCatalog
    private let subscriptions: RealtimeSubscriptions

    /// A service over the store and queue, knowing the providers of `catalog`, subscribing real-time syncs through
    /// `subscriptions`.
    public init(database: Database, queue: JobQueue, catalog: ProviderCatalog, subscriptions: RealtimeSubscriptions) {
        self.database = database
        self.queue = queue
        self.catalog = catalog
        self.subscriptions = subscriptions
    }

    private var repository: SyncRepository { SyncRepository(database: database) }

    /// Creates a sync and queues its first run (in a few seconds, jittered, so syncs created together start apart).
    public func create(_ draft: Draft) async throws -> SyncDefinition {
        // Checked without opening the connection: a sync may be set up before its OAuth consent is given.
        let connection: ConnectionRecord
        do {
            connection = try await ConnectionRepository(database: database).existing(id: draft.connectionID)
        } catch let error as ApplicationError where error.kind == .notFound {
            throw ApplicationError.invalid("field 'connectionId': \(error.detail)", code: "invalid-field")
        }
        guard let connector = catalog.connector(named: connection.provider) else {
            throw ApplicationError.invalid(
                "field 'connectionId': this server has no connector for the connection's provider '\(connection.provider)'", code: "invalid-field")
        }
        let resource = try Self.listable(draft.resource, of: connector)
        let every = try SyncInterval.seconds(draft.every ?? Self.defaultEvery)
        let existing = try await repository.list(.init(connectionID: draft.connectionID, resource: resource.name), after: nil, limit: 1)
        if let existing = existing.first { throw Self.exists(existing) }
        var sync = SyncDefinition(
            connectionID: draft.connectionID, resource: resource.name, mode: draft.mode ?? .incremental, everySeconds: every,
            realtime: draft.realtime ?? false, firstRunAt: Date().addingTimeInterval(Double.random(in: 0...2)))
        try draft.twoWay.apply(to: &sync, resource: resource)
        if sync.realtime {
            sync.subscription = try await subscriptions.subscribe(connectionID: sync.connectionID, resource: sync.resource)?.json
        }
        do {
            try await repository.insert(sync)
        } catch {
            try? await unsubscribe(sync)
            // The unique index refused a second sync made at the same moment (a client's retry).
            if let existing = try? await repository.list(.init(connectionID: sync.connectionID, resource: sync.resource), after: nil, limit: 1)
                .first
            {
                throw Self.exists(existing)
            }
            throw error
        }
        return sync
    }

    /// A second sync of the connection and resource `existing` keeps.
    static func exists(_ existing: SyncDefinition) -> ApplicationError {
        ApplicationError(
            kind: .conflict, code: "sync-exists", title: "Sync exists",
            detail: "connection '\(existing.connectionID)' already has a sync of '\(existing.resource)': \(existing.id)",
            details: ["syncId": .string(existing.id)])
    }

    /// No sync has `id`.
    static func notFound(_ id: String) -> ApplicationError {
        .notFound("sync", id: id, prefix: SyncDefinition.idPrefix)
    }

    /// Removes the sync's provider-side subscription, if it has one.
    private func unsubscribe(_ sync: SyncDefinition) async throws {
        guard let subscription = RealtimeSubscriptions.Subscription(json: sync.subscription) else { return }
        try await subscriptions.unsubscribe(subscription, connectionID: sync.connectionID)
    }

    /// The resource `name` of `connector`, when a sync can read it.
    static func listable(_ name: String, of connector: any Connector) throws(ApplicationError) -> ResourceDescriptor {
        let resource: ResourceDescriptor
        do {
            resource = try connector.resource(named: name)
        } catch {
            throw .invalid("field 'resource': \(error.detail)", code: "invalid-field")
        }
        guard resource.operations.contains(.list) else {
            let listable = connector.descriptor.resources.filter { $0.operations.contains(.list) }.map(\.name)
            throw .invalid(
                "resource '\(name)' of \(connector.descriptor.name) cannot be listed, so it cannot be synced; these can: "
                    + listable.joined(separator: ", "), code: "resource-not-listable")
        }
        return resource
    }

    /// A page of syncs.
    public func list(_ filter: SyncRepository.Filter, page: PageRequest) async throws -> Page<SyncDefinition> {
        if let id = filter.connectionID, !ResourceID.isWellFormed(id, prefix: ConnectionRecord.idPrefix) {
            throw ApplicationError.invalid("query parameter 'connectionId' is not a connection id (conn_01J…)", code: "invalid-parameter")
        }
        if let resource = filter.resource,
            !(1...100).contains(resource.count) || !resource.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        {
            throw ApplicationError.invalid(
                "query parameter 'resource' must be 1 to 100 letters, digits, '_', '.' or '-'", code: "invalid-parameter")
        }
        let fetched = try await repository.list(filter, after: page.cursor, limit: page.limit + 1)
        return Page(fetched: fetched, limit: page.limit, cursor: \.id)
    }

    /// The sync with `id`.
    public func sync(id: String) async throws -> SyncDefinition {
        guard ResourceID.isWellFormed(id, prefix: SyncDefinition.idPrefix), let sync = try await repository.find(id: id) else {
            throw Self.notFound(id)
        }
        return sync
    }

    /// Applies `changes`; a new schedule takes effect from the last run (or now, if that is sooner than it allows).
    public func update(id: String, _ changes: Changes) async throws -> SyncDefinition {
        var sync = try await sync(id: id)
        // Everything is checked before the provider is asked to subscribe or unsubscribe.
        let every = try changes.every.map { text throws(ApplicationError) in try SyncInterval.seconds(text) }
        if changes.twoWay.direction != nil {
            let connection = try await ConnectionRepository(database: database).existing(id: sync.connectionID)
            guard let connector = catalog.connector(named: connection.provider) else {
                throw ApplicationError.invalid("this server has no connector for the connection's provider '\(connection.provider)'")
            }
            try changes.twoWay.apply(to: &sync, resource: try Self.listable(sync.resource, of: connector))
        } else {
            try changes.twoWay.apply(to: &sync, resource: ResourceDescriptor(name: sync.resource, operations: []))
        }
        if let mode = changes.mode { sync.mode = mode }
        if let realtime = changes.realtime, realtime != sync.realtime {
            sync.realtime = realtime
            if realtime {
                sync.subscription = try await subscriptions.subscribe(connectionID: sync.connectionID, resource: sync.resource)?.json
            } else {
                try await unsubscribe(sync)
                sync.subscription = nil
            }
        }
        var sooner: Date?
        if let every {
            sync.everySeconds = every
            sooner = max(Date(), (sync.lastRunAt ?? sync.createdAt).addingTimeInterval(Double(every)))
        }
        sync.updatedAt = Date()
        guard try await repository.updateSettings(sync, nextRunAt: sooner) else {
            throw Self.notFound(id)
        }
        return try await self.sync(id: id)
    }

    /// Deletes the sync with its runs and records, and its provider-side subscription (a provider that cannot be
    /// reached for it fails the delete, so no subscription is left sending to nothing).
    public func delete(id: String) async throws {
        try await unsubscribe(try await sync(id: id))
        guard try await repository.delete(id: id) else { throw Self.notFound(id) }
    }

    /// Queues a run now; `false` when one was already queued or running.
    public func runNow(id: String) async throws -> Bool {
        let sync = try await sync(id: id)
        guard !sync.paused else {
            throw ApplicationError(
                kind: .conflict, code: "sync-paused", title: "Sync paused",
                detail: "sync \(id) is paused (\(sync.statusReason ?? "by request")); resume it to run it")
        }
        if sync.direction.acceptsLocalChanges {
            try await SyncChangeStore(database: database).requestPush(syncID: id)
        }
        let queue = queue
        let queued = try await database.transaction { sql in
            // The sync's row before the job, as the scheduler takes them: the other order deadlocks with it.
            let repository = SyncRepository(database: database)
            try await repository.lock(id: id, using: sql)
            let outcome = try await queue.enqueue([SyncRunner.job(syncID: id, trigger: .manual)], using: sql).first
            guard outcome != .duplicate else { return false }
            try await repository.markQueued(id: id, using: sql)
            return true
        }
        if queued {
            queue.wakeLocalWorkers()
        } else {
            // A run is queued or running: one more follows it, so nothing changed since it started is missed.
            try await repository.requestRun(id: id)
        }
        return queued
    }

    /// Pauses the sync.
    public func pause(id: String) async throws -> SyncDefinition {
        _ = try await sync(id: id)
        _ = try await repository.pause(id: id, reason: "paused by request")
        return try await sync(id: id)
    }

    /// Resumes the sync and queues its next run (and the push of its pending changes) at once.
    public func resume(id: String) async throws -> SyncDefinition {
        let current = try await sync(id: id)
        _ = try await repository.resume(id: id, nextRunAt: Date())
        if current.direction.acceptsLocalChanges { try await SyncChangeStore(database: database).requestPush(syncID: id) }
        return try await sync(id: id)
    }

    /// Starts the sync over from no checkpoint; its next run is due at once.
    public func reset(id: String) async throws -> SyncDefinition {
        _ = try await sync(id: id)
        _ = try await repository.reset(id: id, nextRunAt: Date())
        return try await sync(id: id)
    }

    /// A page of the sync's runs, newest first.
    public func runs(id: String, page: PageRequest) async throws -> Page<SyncRun> {
        _ = try await sync(id: id)
        let fetched = try await repository.runs(syncID: id, before: page.cursor, limit: page.limit + 1)
        return Page(fetched: fetched, limit: page.limit, cursor: \.id)
    }

    /// One run of the sync.
    public func run(id: String, runID: String) async throws -> SyncRun {
        _ = try await sync(id: id)
        guard ResourceID.isWellFormed(runID, prefix: SyncRun.idPrefix), let run = try await repository.run(id: runID, syncID: id) else {
            throw ApplicationError.notFound("run", id: runID, prefix: SyncRun.idPrefix)
        }
        return run
    }

    /// A page of the change feed after `cursor` (from the start without one).
    public func feed(
        id: String, cursor: String?, limit: Int?, modifiedAfter: String?, includeDeleted: Bool?
    ) async throws -> FeedPage {
        _ = try await sync(id: id)
        let limit = limit ?? Self.defaultFeedLimit
        guard (1...Self.maximumFeedLimit).contains(limit) else {
            throw ApplicationError.invalid("query parameter 'limit' must be an integer from 1 to \(Self.maximumFeedLimit), not '\(limit)'")
        }
        let position = try cursor.map { cursor throws(ApplicationError) in try FeedCursor.decode(cursor, syncID: id) } ?? .start
        let filter = SyncRecordStore.FeedFilter(
            includeDeleted: includeDeleted ?? true, modifiedAfter: try modifiedAfter.map { try ResourceService.time($0, parameter: "modifiedAfter") })
        let fetched = try await SyncRecordStore(database: database).feed(syncID: id, after: position, filter: filter, limit: limit + 1)
        let entries = Array(fetched.prefix(limit))
        return FeedPage(
            entries: entries, nextCursor: FeedCursor.encode(entries.last?.position ?? position, syncID: id), hasMore: fetched.count > limit)
    }

    /// For a real-time sync, how the provider's webhooks reach it: subscribed, or what to configure at the provider.
    public func realtimeSetup(_ sync: SyncDefinition) -> String? {
        subscriptions.setupInstructions(sync)
    }
}
