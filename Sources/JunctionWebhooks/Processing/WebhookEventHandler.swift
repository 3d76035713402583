import Foundation
import JunctionCore

/// Something that acts on inbound events: forwarding them to the application's endpoints now, sync triggers later.
/// Handlers must be idempotent per (event id, replay): a run that fails part-way is run again from the start.
public protocol WebhookEventHandler: Sendable {
    /// Acts on one event. `replay` counts the event's replays (0 for the first delivery), so a handler can tell a
    /// deliberate replay, which should act again, from a retry of the same run, which should not.
    func handle(_ event: NormalizedEvent, replay: Int) async throws
}
