import JunctionCore
import JunctionStore

extension ConnectionRepository {
    /// The connection with `id`, or a not-found error naming what connection ids look like (also for an id of the
    /// wrong shape, which no connection can have).
    func existing(id: String) async throws -> ConnectionRecord {
        guard ResourceID.isWellFormed(id, prefix: ConnectionRecord.idPrefix), let record = try await find(id: id) else {
            throw ApplicationError.notFound("connection", id: id, prefix: ConnectionRecord.idPrefix)
        }
        return record
    }

    /// ``existing(id:)`` with its effective settings (its own over its integration's): one read of each row.
    func existingResolved(id: String) async throws -> ConnectionRecord {
        guard ResourceID.isWellFormed(id, prefix: ConnectionRecord.idPrefix), let record = try await findResolved(id: id) else {
            throw ApplicationError.notFound("connection", id: id, prefix: ConnectionRecord.idPrefix)
        }
        return record
    }
}
