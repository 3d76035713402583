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
        let sync = try await syncs.create(.init(body))
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
            .init(
                mode: body.mode.flatMap { .init(rawValue: $0.rawValue) }, every: body.schedule?.every, realtime: body.realtime,
                twoWay: .init(
                    direction: body.direction.flatMap { .init(rawValue: $0.rawValue) },
                    conflictPolicy: body.conflictPolicy.flatMap { .init(rawValue: $0.rawValue) }, fieldPolicies: body.fieldPolicies?.policies,
                    deletePolicy: body.deletePolicy.flatMap { .init(rawValue: $0.rawValue) }, keepFilledValues: body.keepFilledValues, localKeyField: body.localKeyField)))
        return .ok(.init(body: .json(.init(sync, realtimeSetup: syncs.realtimeSetup(sync)))))
    }

    func deleteSync(_ input: Operations.DeleteSync.Input) async throws -> Operations.DeleteSync.Output {
        try await syncs.delete(id: input.path.id)
        return .noContent(.init())
    }

    func runSync(_ input: Operations.RunSync.Input) async throws -> Operations.RunSync.Output {
        if input.query.dryRun == true {
            let report = try await SyncDryRun.compute(syncID: input.path.id, database: database, runner: syncRunner, pusher: syncPusher)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            pull: .init(
                                added: report.pull.added, updated: report.pull.updated, deleted: report.pull.deleted,
                                unchanged: report.pull.unchanged, pages: report.pages, complete: report.complete),
                            push: .init(
                                records: report.pendingRecords, wouldPush: report.wouldPush, wouldConflict: report.wouldConflict,
                                nothingToSend: report.nothingToSend)))))
        }
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
                                data: $0.data, changedAt: $0.changedAt, remoteModifiedAt: $0.remoteModifiedAt, version: $0.position.sequence,
                                localKey: $0.localKey)
                        }, nextCursor: page.nextCursor, hasMore: page.hasMore))))
    }

    func createSyncRecord(_ input: Operations.CreateSyncRecord.Input) async throws -> Operations.CreateSyncRecord.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let submission = try await syncChanges.submit(
            syncID: input.path.id, .init(operation: .create, localKey: body.localKey, record: body.record))
        return .accepted(.init(body: .json(.init(submission.change, repeated: submission.repeated))))
    }

    func updateSyncRecord(_ input: Operations.UpdateSyncRecord.Input) async throws -> Operations.UpdateSyncRecord.Output {
        let body =
            switch input.body {
            case .json(let body), .applicationMergePatchJson(let body): body
            }
        let submission = try await syncChanges.submit(
            syncID: input.path.id,
            .init(operation: .update, externalID: input.path.externalId, record: body, baseVersion: input.query.baseVersion))
        return .accepted(.init(body: .json(.init(submission.change))))
    }

    func replaceSyncRecord(_ input: Operations.ReplaceSyncRecord.Input) async throws -> Operations.ReplaceSyncRecord.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let submission = try await syncChanges.submit(
            syncID: input.path.id,
            .init(operation: .replace, externalID: input.path.externalId, record: body, baseVersion: input.query.baseVersion))
        return .accepted(.init(body: .json(.init(submission.change))))
    }

    func deleteSyncRecord(_ input: Operations.DeleteSyncRecord.Input) async throws -> Operations.DeleteSyncRecord.Output {
        let submission = try await syncChanges.submit(
            syncID: input.path.id, .init(operation: .delete, externalID: input.path.externalId, baseVersion: input.query.baseVersion))
        return .accepted(.init(body: .json(.init(submission.change))))
    }

    func getSyncChange(_ input: Operations.GetSyncChange.Input) async throws -> Operations.GetSyncChange.Output {
        .ok(.init(body: .json(.init(try await syncChanges.change(syncID: input.path.id, changeID: input.path.changeId)))))
    }
}

extension Components.Schemas.SyncChange {
    /// The change as the API shows it.
    init(_ change: SyncLocalChange, repeated: Bool? = nil) {
        self.init(
            id: change.id, syncId: change.syncID, externalId: change.externalID, localKey: change.localKey,
            operation: .init(rawValue: change.operation.rawValue) ?? .update, status: .init(rawValue: change.status.rawValue) ?? .pending,
            reason: change.reason, fields: change.fields, baseVersion: change.baseVersion, attempts: change.attempts,
            conflictId: change.conflictID, repeated: repeated, createdAt: change.createdAt, updatedAt: change.updatedAt,
            pushedAt: change.pushedAt)
    }
}

extension Components.Schemas.Sync {
    /// The sync as the API shows it.
    init(_ sync: SyncDefinition, realtimeSetup: String? = nil) {
        self.init(
            id: sync.id, connectionId: sync.connectionID, resource: sync.resource, mode: .init(rawValue: sync.mode.rawValue) ?? .incremental,
            schedule: .init(every: SyncInterval.text(sync.everySeconds)), realtime: sync.realtime,
            direction: .init(rawValue: sync.direction.rawValue) ?? .pull, conflictPolicy: .init(rawValue: sync.mergePolicy.record.rawValue) ?? .manual,
            fieldPolicies: .init(sync.mergePolicy.fields), deletePolicy: .init(rawValue: sync.mergePolicy.deletes.rawValue) ?? .editWins, keepFilledValues: sync.mergePolicy.keepFilledValues, localKeyField: sync.localKeyField,
            realtimeSetup: realtimeSetup,
            status: .init(rawValue: sync.status.rawValue) ?? .idle, statusReason: sync.statusReason, paused: sync.paused,
            recordCount: sync.recordCount, consecutiveFailures: sync.consecutiveFailures, checkpoint: sync.checkpoint?.json.objectValue,
            lastRunId: sync.lastRunID, lastRunAt: sync.lastRunAt, nextRunAt: sync.nextRunAt, createdAt: sync.createdAt,
            updatedAt: sync.updatedAt)
    }
}

extension Components.Schemas.FieldPolicies {
    /// The policies as the API shows them.
    init(_ policies: [String: ConflictPolicy]) {
        self.init(additionalProperties: policies.compactMapValues { .init(rawValue: $0.rawValue) })
    }

    /// The policies as the application layer takes them.
    var policies: [String: ConflictPolicy] {
        additionalProperties.compactMapValues { ConflictPolicy(rawValue: $0.rawValue) }
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
