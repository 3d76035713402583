import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionStore

extension ManagementAPI {
    func listConflicts(_ input: Operations.ListConflicts.Input) async throws -> Operations.ListConflicts.Output {
        let filter = SyncChangeStore.ConflictFilter(
            syncID: input.query.syncId, status: input.query.status.flatMap { SyncConflict.Status(rawValue: $0.rawValue) })
        let page = try await conflicts.list(
            filter, page: PageRequest(limit: input.query.limit, cursor: input.query.cursor, prefix: SyncConflict.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func getConflict(_ input: Operations.GetConflict.Input) async throws -> Operations.GetConflict.Output {
        .ok(.init(body: .json(.init(try await conflicts.conflict(id: input.path.id)))))
    }

    func resolveConflict(_ input: Operations.ResolveConflict.Input) async throws -> Operations.ResolveConflict.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let resolution: ConflictService.Resolution
        switch (body.take, body.record) {
        case (.local?, nil): resolution = .takeLocal
        case (.remote?, nil): resolution = .takeRemote
        case (nil, let record?): resolution = .record(record)
        default:
            throw ApplicationError.invalid(
                "give exactly one of 'take' (\"local\" or \"remote\") and 'record' (the merged record)", code: "invalid-resolution")
        }
        return .accepted(.init(body: .json(.init(try await conflicts.resolve(id: input.path.id, resolution, by: body.resolvedBy)))))
    }
}

extension Components.Schemas.SyncConflict {
    /// The conflict as the API shows it.
    init(_ detail: ConflictService.Detail) {
        let conflict = detail.conflict
        self.init(
            id: conflict.id, syncId: conflict.syncID, externalId: conflict.externalID, status: .init(rawValue: conflict.status.rawValue) ?? .open,
            base: conflict.base, local: detail.local, remote: conflict.remote, localDeleted: detail.local == nil,
            remoteDeleted: conflict.remote == nil,
            fields: detail.fields.map {
                .init(
                    field: $0.name, base: $0.base, local: $0.local, remote: $0.remote, changedLocally: $0.changedLocally,
                    changedRemotely: $0.changedRemotely, conflicting: $0.conflicting)
            }, changes: detail.changeIDs, openedAt: conflict.openedAt, updatedAt: conflict.updatedAt, resolvedAt: conflict.resolvedAt,
            resolvedBy: conflict.resolvedBy, resolution: conflict.resolution?.objectValue, resolutionChangeId: conflict.resolutionChangeID)
    }
}
