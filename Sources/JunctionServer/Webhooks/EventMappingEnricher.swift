import JunctionConnectors
import JunctionCore
import JunctionStore
import JunctionWebhooks

/// Maps inbound webhook data with the same engine as connector records: the provider's `eventResources` name the
/// resource an event type concerns (the most specific pattern wins: `customer.subscription.*` before `customer.*`),
/// and the connection's mapping for that resource turns the event's data into the application's shape.
struct EventMappingEnricher: WebhookEventEnricher {
    let database: Database
    let catalog: ProviderCatalog

    func enrich(_ events: [NormalizedEvent]) async throws -> [NormalizedEvent] {
        let repository = ConnectionRepository(database: database)
        var connections: [String: ConnectionRecord?] = [:]
        for id in Set(events.map(\.connectionId)) { connections[id] = try await repository.find(id: id) }
        return events.map { event in
            guard let connection = connections[event.connectionId] ?? nil, let provider = catalog.provider(named: connection.provider)
            else {
                return event
            }
            return Self.enrich(event, provider: provider, settings: connection.settings)
        }
    }

    static func enrich(_ event: NormalizedEvent, provider: ProviderDescriptor, settings: JSONValue) -> NormalizedEvent {
        var event = event
        guard let resource = resource(of: event.providerType, in: provider) else { return event }
        event.resource = resource
        guard let definition = settings["mappings"]?[resource] else { return event }
        do {
            guard let mapper = try ResourceMappings(settings: ["\(resource)": definition], provider: provider).mapper(for: resource) else {
                return event
            }
            event.mapped = try mapper.inbound(event.data)
            event.mappingVersion = mapper.mapping.version
        } catch let error as MappingError {
            event.mappingError = error.description
        } catch {
            event.mappingError = "the connection's mapping for \(resource) is not valid"
        }
        return event
    }

    /// The resource of the most specific matching pattern (an exact type, then the longest prefix).
    static func resource(of type: String, in provider: ProviderDescriptor) -> String? {
        let matches = provider.eventResources.compactMap { pattern, resource -> (Int, String)? in
            guard let compiled = EventTypePattern(pattern), compiled.matches(type) else { return nil }
            return (pattern.hasSuffix("*") ? pattern.count - 1 : Int.max, resource)
        }
        return matches.max { $0.0 == $1.0 ? $0.1 > $1.1 : $0.0 < $1.0 }?.1
    }
}
