import Foundation
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionWebhooks

/// Updates the record store from verified webhooks, in the event's processing, for the syncs of its connection and
/// resource that are real-time: the event's record when it carries one, the provider's current record (a `get`) when
/// the event is thin (an id and little else), a deletion for a `*.deleted` event, and a run now for a notification
/// that names no record (a Google watch channel's). An event older than the stored
/// record's time does not overwrite it, as events arrive out of order.
public struct RealtimeSyncHandler: WebhookEventHandler {
    let database: Database
    let catalog: ProviderCatalog
    let runner: SyncRunner

    /// A handler knowing the providers of `catalog`, opening connections (for thin events) the way `runner` does.
    public init(database: Database, catalog: ProviderCatalog, runner: SyncRunner) {
        self.database = database
        self.catalog = catalog
        self.runner = runner
    }

    public func handle(_ event: NormalizedEvent, replay: Int) async throws {
        guard let resourceName = event.resource else { return }
        let repository = SyncRepository(database: database)
        let syncs = try await repository.realtime(connectionID: event.connectionId, resource: resourceName)
        if event.provider == Self.notificationVerifier {
            // A watch-channel notification names no record: the resource changed, so each sync runs now.
            guard event.providerType != "sync" else { return }
            for sync in syncs { try await repository.requestRun(id: sync.id) }
            return
        }
        guard !syncs.isEmpty, let connection = try await ConnectionRepository(database: database).findResolved(id: event.connectionId),
            let connector = catalog.connector(named: connection.provider), let resource = try? connector.resource(named: resourceName)
        else { return }
        // The connection's credentials are opened only for a thin event, whose record must be read from the provider.
        let mapper = try connection.settings["mappings"].map { try ResourceMappings(settings: $0, provider: connector.descriptor) }?
            .mapper(for: resourceName)
        let store = SyncRecordStore(database: database)
        for sync in syncs {
            let change = try await change(for: event, resource: resource, mapper: mapper) {
                let target = try await SyncTarget.open(sync, runtime: runner.runtime)
                return try await target.connector.get(resource, id: $0, session: target.session)
            }
            guard let change else { continue }
            _ = try await store.apply([change], syncID: sync.id)
        }
    }

    /// The verifier of notifications that carry no record (Google watch channels).
    static let notificationVerifier = "google-channel"

    /// What `event` says happened to a record of `resource`, if it names one; `read` gets a record from the provider.
    func change(
        for event: NormalizedEvent, resource: ResourceDescriptor, mapper: DataMapper?, read: (String) async throws -> JSONValue
    ) async throws -> SyncRecordChange? {
        guard let id = resource.externalID(of: event.data), Self.isRecord(of: resource, event: event) else { return nil }
        if Self.isDeletion(event.providerType, resource: resource) {
            return .delete(externalID: id, at: event.occurredAt)
        }
        var record = event.data
        if Self.isThin(record, resource: resource) {
            do {
                record = try await read(id)
            } catch APIError.notFound {
                return .delete(externalID: id, at: event.occurredAt)
            }
        }
        if case .flag(let field, let value) = resource.deleteSource, JSONPath(field)?.value(in: record)?.scalarText == value {
            return .delete(externalID: id, at: event.occurredAt)
        }
        let time = max(resource.changeTime(of: record) ?? event.occurredAt, event.occurredAt)
        return .upsert(IncomingRecord(externalID: id, raw: record, data: try? mapper?.inbound(record), remoteModifiedAt: time))
    }

    /// Whether the event's object is a record of `resource`: Stripe's event types are matched by prefix, and
    /// `customer.*` also names a customer's cards (`customer.source.created`) and discounts, whose `data.object` says
    /// what it is (`"object": "card"`); such an event is not about a customer record.
    static func isRecord(of resource: ResourceDescriptor, event: NormalizedEvent) -> Bool {
        guard event.provider == "stripe", let kind = event.data["object"]?.stringValue else { return true }
        return resource.name == kind + "s"
    }

    /// Whether an event of `type` reports a deletion: `*.deleted` (Stripe, HubSpot `*.deletion`), or one of the
    /// resource's delete-event types.
    static func isDeletion(_ type: String, resource: ResourceDescriptor) -> Bool {
        if case .events(_, let types) = resource.deleteSource, types.contains(type) { return true }
        return type.hasSuffix(".deleted") || type.hasSuffix(".deletion")
    }

    /// Whether the event's data names a record without carrying it: nothing but its id and type fields.
    static func isThin(_ data: JSONValue, resource: ResourceDescriptor) -> Bool {
        guard let members = data.objectValue else { return true }
        let bookkeeping: Set<String> = [resource.idField, "object", "type", "objectId", "objectType", "changeType", "occurredAt"]
        return members.keys.allSatisfy(bookkeeping.contains)
    }
}
