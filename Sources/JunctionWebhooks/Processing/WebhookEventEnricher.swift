/// Adds what the webhook module cannot know to normalized events before handlers see them: which connector resource
/// an event concerns and its data mapped into the application's shape (the server implements it with the
/// connection's `settings.mappings` and the provider's event types). Gets a whole batch, so lookups batch too.
public protocol WebhookEventEnricher: Sendable {
    /// The events, enriched, in the same order.
    func enrich(_ events: [NormalizedEvent]) async throws -> [NormalizedEvent]
}
