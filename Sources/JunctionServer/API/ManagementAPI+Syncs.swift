import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionStore

extension ManagementAPI {
    func createSync(_ input: Operations.CreateSync.Input) async throws -> Operations.CreateSync.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let sync = try await syncs.create(
            .init(
                connectionID: body.connectionId, resource: body.resource, mode: body.mode.flatMap { .init(rawValue: $0.rawValue) },
                every: body.schedule?.every, realtime: body.realtime))
        return .created(.init(body: .json(.init(sync, realtimeSetup: syncs.realtimeSetup(sync)))))
    }

    func listSyncs(_ input: Operations.ListSyncs.Input) async throws -> Operations.ListSyncs.Output {
        let filter = SyncRepository.Filter(
            connectionID: input.query.connectionId, resource: input.query.resource,
            status: input.query.status.flatMap { SyncDefinition.Status(rawValue: $0.rawValue) })
        let page = try await syncs.list(
            filter, page: PageRequest(limit: input.query.limit, cursor: input.query.cursor, prefix: SyncDefinition.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func getSync(_ input: Operations.GetSync.Input) async throws -> Operations.GetSync.Output {
        let sync = try await syncs.sync(id: input.path.id)
        return .ok(.init(body: .json(.init(sync, realtimeSetup: syncs.realtimeSetup(sync)))))
    }

    func updateSync(_ input: Operations.UpdateSync.Input) async throws -> Operations.UpdateSync.Output {
        let body =
            switch input.body {
            case .json(let body), .applicationMergePatchJson(let body): body
            }
        let sync = try await syncs.update(
            id: input.path.id,
            .init(mode: body.mode.flatMap { .init(rawValue: $0.rawValue) }, every: body.schedule?.every, realtime: body.realtime))
        return .ok(.init(body: .json(.init(sync, realtimeSetup: syncs.realtimeSetup(sync)))))
    }

    func deleteSync(_ input: Operations.DeleteSync.Input) async throws -> Operations.DeleteSync.Output {
        try await syncs.delete(id: input.path.id)
        return .noContent(.init())
    }

    func runSync(_ input: Operations.RunSync.Input) async throws -> Operations.RunSync.Output {
        let queued = try await syncs.runNow(id: input.path.id)
        let detail = queued ? "a run is queued" : "a run was already queued or running; nothing more was queued"
        return .accepted(.init(body: .json(.init(queued: queued, detail: detail))))
    }

    func pauseSync(_ input: Operations.PauseSync.Input) async throws -> Operations.PauseSync.Output {
        .ok(.init(body: .json(.init(try await syncs.pause(id: input.path.id)))))
    }

    func resumeSync(_ input: Operations.ResumeSync.Input) async throws -> Operations.ResumeSync.Output {
        .ok(.init(body: .json(.init(try await syncs.resume(id: input.path.id)))))
    }

    func resetSync(_ input: Operations.ResetSync.Input) async throws -> Operations.ResetSync.Output {
        .ok(.init(body: .json(.init(try await syncs.reset(id: input.path.id)))))
    }

    func listSyncRuns(_ input: Operations.ListSyncRuns.Input) async throws -> Operations.ListSyncRuns.Output {
        let page = try await syncs.runs(
            id: input.path.id, page: PageRequest(limit: input.query.limit, cursor: input.query.cursor, prefix: SyncRun.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func getSyncRun(_ input: Operations.GetSyncRun.Input) async throws -> Operations.GetSyncRun.Output {
        .ok(.init(body: .json(.init(try await syncs.run(id: input.path.id, runID: input.path.runId)))))
    }

    func listSyncRecords(_ input: Operations.ListSyncRecords.Input) async throws -> Operations.ListSyncRecords.Output {
        let page = try await syncs.feed(
            id: input.path.id, cursor: input.query.cursor, limit: input.query.limit, modifiedAfter: input.query.modifiedAfter,
            includeDeleted: input.query.includeDeleted)
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: page.entries.map {
                            .init(
                                externalId: $0.externalID, operation: .init(rawValue: $0.operation.rawValue) ?? .updated, raw: $0.raw,
                                data: $0.data, changedAt: $0.changedAt, remoteModifiedAt: $0.remoteModifiedAt)
                        }, nextCursor: page.nextCursor, hasMore: page.hasMore))))
    }
}

extension Components.Schemas.Sync {
    /// The sync as the API shows it.
    init(_ sync: SyncDefinition, realtimeSetup: String? = nil) {
        self.init(
            id: sync.id, connectionId: sync.connectionID, resource: sync.resource, mode: .init(rawValue: sync.mode.rawValue) ?? .incremental,
            schedule: .init(every: SyncInterval.text(sync.everySeconds)), realtime: sync.realtime, realtimeSetup: realtimeSetup,
            status: .init(rawValue: sync.status.rawValue) ?? .idle, statusReason: sync.statusReason, paused: sync.paused,
            recordCount: sync.recordCount, consecutiveFailures: sync.consecutiveFailures, checkpoint: sync.checkpoint?.json.objectValue,
            lastRunId: sync.lastRunID, lastRunAt: sync.lastRunAt, nextRunAt: sync.nextRunAt, createdAt: sync.createdAt,
            updatedAt: sync.updatedAt)
    }
}

extension Components.Schemas.SyncRun {
    /// The run as the API shows it.
    init(_ run: JunctionStore.SyncRun) {
        self.init(
            id: run.id, syncId: run.syncID, kind: .init(rawValue: run.kind.rawValue) ?? .incremental,
            trigger: .init(rawValue: run.trigger.rawValue) ?? .schedule, status: .init(rawValue: run.status.rawValue) ?? .failed,
            pages: run.pages, added: run.counts.added, updated: run.counts.updated, deleted: run.counts.deleted,
            unchanged: run.counts.unchanged, error: run.error, checkpointBefore: run.checkpointBefore?.json.objectValue,
            checkpointAfter: run.checkpointAfter?.json.objectValue, startedAt: run.startedAt, finishedAt: run.finishedAt)
    }
}
