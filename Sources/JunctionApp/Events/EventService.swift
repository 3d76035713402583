import Foundation
import JunctionCore
import JunctionStore
import JunctionWebhooks

/// The inbox as the application sees it: inbound events listed and shown (normalized and mapped as handlers see
/// them, with their processing attempts), and replayed.
public struct EventService: Sendable {
    /// One event with what a detail view shows.
    public struct Detail: Sendable {
        /// The event as stored.
        public var record: WebhookEventRecord
        /// The event normalized and mapped with its connection's current mapping.
        public var normalized: NormalizedEvent
        /// Its processing runs, oldest first.
        public var attempts: [WebhookEventAttempt]
    }

    private let events: WebhookEventRepository
    private let queue: JobQueue
    private let enricher: EventMappingEnricher

    /// A service over the store's inbox; `enricher` maps events as processing does.
    public init(database: Database, queue: JobQueue, enricher: EventMappingEnricher) {
        self.events = WebhookEventRepository(database: database)
        self.queue = queue
        self.enricher = enricher
    }

    /// A page of events matching `filter`, newest first.
    public func list(_ filter: WebhookEventRepository.Filter, page: PageRequest) async throws -> Page<WebhookEventRecord> {
        let records = try await events.list(filter, before: page.cursor, limit: page.limit + 1)
        return Page(fetched: records, limit: page.limit, cursor: \.id)
    }

    /// The event with `id`, as handlers see it.
    public func detail(id: String) async throws -> Detail {
        let id = try Self.requireID(id)
        guard let record = try await events.find(id: id) else {
            throw ApplicationError.notFound("event", id: id, prefix: InboxEntry.idPrefix)
        }
        let normalized = WebhookEventProcessor.normalize(record)
        let enriched = try await enricher.enrich([normalized]).first ?? normalized
        return Detail(record: record, normalized: enriched, attempts: try await events.attempts(ofEvent: id))
    }

    /// Queues the event to be processed again; its handlers run again and what they send are new messages.
    public func replay(id: String) async throws -> WebhookEventRecord {
        let id = try Self.requireID(id)
        guard let record = try await events.replay(id: id, queue: queue) else {
            throw ApplicationError.notFound("event", id: id, prefix: InboxEntry.idPrefix)
        }
        return record
    }

    /// An id that cannot name an event is not found, before any query runs.
    static func requireID(_ id: String) throws(ApplicationError) -> String {
        guard ResourceID.isWellFormed(id, prefix: InboxEntry.idPrefix) else {
            throw .notFound("event", id: id, prefix: InboxEntry.idPrefix)
        }
        return id
    }
}
