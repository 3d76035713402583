import Foundation
import JunctionCore

/// Forwards every processed inbound event to the application's endpoints as a message of the event's normalized
/// type (`stripe.customer.created`) whose payload is the normalized event. The idempotency key is the event id and
/// replay count: a retried run forwards nothing twice, a deliberate replay forwards again.
public struct OutboundForwardingHandler: WebhookEventHandler {
    private let dispatcher: MessageDispatcher

    /// A handler publishing through `dispatcher`.
    public init(dispatcher: MessageDispatcher) {
        self.dispatcher = dispatcher
    }

    public func handle(_ event: NormalizedEvent, replay: Int) async throws {
        _ = try await dispatcher.publish(eventType: event.type, payload: event.json, idempotencyKey: "\(event.id):\(replay)")
    }
}
