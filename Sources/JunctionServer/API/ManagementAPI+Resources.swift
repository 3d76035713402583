import Foundation
import JunctionAPI
import JunctionApp
import JunctionConnectors
import JunctionCore

extension ManagementAPI {
    func testConnection(_ input: Operations.TestConnection.Input) async throws -> Operations.TestConnection.Output {
        let (provider, latency) = try await resources.test(connectionID: input.path.id)
        let milliseconds = Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15
        return .ok(.init(body: .json(.init(ok: true, provider: provider, latencyMs: (milliseconds * 10).rounded() / 10))))
    }

    func listResources(_ input: Operations.ListResources.Input) async throws -> Operations.ListResources.Output {
        let descriptors = try await resources.resources(connectionID: input.path.id)
        return .ok(.init(body: .json(.init(data: descriptors.map(Components.Schemas.Resource.init)))))
    }

    func listRecords(_ input: Operations.ListRecords.Input) async throws -> Operations.ListRecords.Output {
        var query = ListQuery()
        query.cursor = input.query.cursor
        query.limit = input.query.limit
        query.checkpoint = input.query.checkpoint
        query.updatedSince = try input.query.updatedSince.map { try ResourceService.time($0, parameter: "updatedSince") }
        let page = try await resources.list(connectionID: input.path.id, resource: input.path.resource, query: query)
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.RecordItem.init), nextCursor: page.nextCursor, checkpoint: page.checkpoint))))
    }

    func getRecord(_ input: Operations.GetRecord.Input) async throws -> Operations.GetRecord.Output {
        let item = try await resources.get(connectionID: input.path.id, resource: input.path.resource, externalID: input.path.externalId)
        return .ok(.init(body: .json(.init(item))))
    }

    func createRecord(_ input: Operations.CreateRecord.Input) async throws -> Operations.CreateRecord.Output {
        let record =
            switch input.body {
            case .json(let record): record
            }
        let item = try await resources.create(
            connectionID: input.path.id, resource: input.path.resource, record: record, shape: .init(input.query.input),
            idempotencyKey: input.headers.idempotencyKey)
        return .created(.init(body: .json(.init(item))))
    }

    func updateRecord(_ input: Operations.UpdateRecord.Input) async throws -> Operations.UpdateRecord.Output {
        let changes =
            switch input.body {
            case .json(let changes): changes
            }
        let item = try await resources.update(
            connectionID: input.path.id, resource: input.path.resource, externalID: input.path.externalId, changes: changes,
            shape: .init(input.query.input), idempotencyKey: input.headers.idempotencyKey)
        return .ok(.init(body: .json(.init(item))))
    }

    func deleteRecord(_ input: Operations.DeleteRecord.Input) async throws -> Operations.DeleteRecord.Output {
        let (id, answer) = try await resources.delete(
            connectionID: input.path.id, resource: input.path.resource, externalID: input.path.externalId)
        return .ok(.init(body: .json(.init(externalId: id, record: answer))))
    }

    func writeRecordBatch(_ input: Operations.WriteRecordBatch.Input) async throws -> Operations.WriteRecordBatch.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let result = try await resources.createBatch(
            connectionID: input.path.id, resource: input.path.resource, records: body.records.map(JSONValue.object))
        let answer = Components.Schemas.BatchResult(result)
        // A bulk job still running after the connector's wait is answered 202, with its id to look it up by.
        let finished = result.jobState.map { ["JobComplete", "Failed", "Aborted"].contains($0) } ?? true
        return finished ? .ok(.init(body: .json(answer))) : .accepted(.init(body: .json(answer)))
    }

    func listChanges(_ input: Operations.ListChanges.Input) async throws -> Operations.ListChanges.Output {
        let changes = try await resources.changes(
            connectionID: input.path.id, resource: input.path.resource, since: input.query.since, until: input.query.until)
        return .ok(
            .init(
                body: .json(
                    .init(
                        deleted: changes.deleted.map { .init(externalId: $0.id, deletedAt: $0.deletedAt) },
                        updated: changes.updatedIDs, coveredUntil: changes.coveredUntil))))
    }
}

extension ResourceService.InputShape {
    /// The shape the `input` query parameter names (the provider's when it is absent).
    init<Parameter: RawRepresentable<String>>(_ parameter: Parameter?) {
        self = parameter.flatMap { Self(rawValue: $0.rawValue) } ?? .provider
    }
}

extension Components.Schemas.RecordItem {
    init(_ item: ResourceService.Item) {
        self.init(
            externalId: item.externalID, record: item.record, mapped: item.mapped, mappingVersion: item.mappingVersion,
            mappingError: item.mappingError)
    }
}

extension Components.Schemas.BatchResult {
    /// Bulk results are not in the records' order: each carries the record's fields instead of an index.
    init(_ result: BatchResult) {
        self.init(
            method: .init(rawValue: result.method) ?? .sequential,
            results: result.outcomes.enumerated().map { index, outcome in
                let position = result.isOrdered ? index : nil
                switch outcome {
                case .created(let id, let record):
                    return .init(index: position, created: true, externalId: id, record: record)
                case .failed(let status, let message):
                    return .init(index: position, created: false, error: message, providerStatus: status)
                }
            },
            jobId: result.jobID, jobState: result.jobState)
    }
}
