import Foundation

/// The resources a configuration file declares, by kind and by the names the file gives them, ready to apply: what
/// `junction apply` sends and what `junction serve --config` applies at start and on SIGHUP. Secrets are already
/// resolved; `canonical` is each entry as written, for its fingerprint.
public struct ConfigurationDocument: Sendable {
    /// One named entry of the file.
    public struct Entry<Draft: Sendable>: Sendable {
        /// The entry's name in the file (an integration's key).
        public var name: String
        /// What it creates.
        public var draft: Draft
        /// The entry's canonical JSON (sorted keys, secrets resolved): what its fingerprint is taken of.
        public var canonical: Data

        /// An entry.
        public init(name: String, draft: Draft, canonical: Data) {
            (self.name, self.draft, self.canonical) = (name, draft, canonical)
        }
    }

    /// A sync of the file: its draft's `connectionID` is the name of a connection of the same file, or the id of a
    /// connection that exists.
    public typealias SyncEntry = Entry<SyncService.Draft>

    /// Integrations, by key.
    public var integrations: [Entry<IntegrationService.Draft>]
    /// Connections, by name.
    public var connections: [Entry<ConnectionService.Draft>]
    /// Outbound webhook endpoints, by name.
    public var endpoints: [Entry<EndpointService.Draft>]
    /// Syncs, by name.
    public var syncs: [SyncEntry]

    /// A document.
    public init(
        integrations: [Entry<IntegrationService.Draft>] = [], connections: [Entry<ConnectionService.Draft>] = [],
        endpoints: [Entry<EndpointService.Draft>] = [], syncs: [SyncEntry] = []
    ) {
        (self.integrations, self.connections, self.endpoints, self.syncs) = (integrations, connections, endpoints, syncs)
    }
}
