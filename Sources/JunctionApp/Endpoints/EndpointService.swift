import Foundation
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionWebhooks

/// The application's endpoints, where outbound webhooks go: created with a signing secret sealed in the vault
/// (shown only then and when rotated), changed, enabled and disabled, deleted, their attempts listed, and what
/// failed since a time resent.
public struct EndpointService: Sendable {
    /// What an endpoint is created with; `nil` members take their defaults.
    public struct Draft: Sendable {
        /// Where deliveries are POSTed.
        public var url: String
        /// The event types it receives; every type (`*`) when `nil`.
        public var eventTypes: [String]?
        /// What it is for, for people.
        public var description: String?
        /// Deliveries per second at most.
        public var rateLimit: Int?
        /// Its own retry delays, in seconds.
        public var retrySchedule: [Int]?
        /// Whether deliveries go one at a time, in order.
        public var ordered: Bool?

        /// A draft.
        public init(
            url: String, eventTypes: [String]? = nil, description: String? = nil, rateLimit: Int? = nil, retrySchedule: [Int]? = nil,
            ordered: Bool? = nil
        ) {
            self.url = url
            self.eventTypes = eventTypes
            self.description = description
            self.rateLimit = rateLimit
            self.retrySchedule = retrySchedule
            self.ordered = ordered
        }
    }

    /// What a change sets: `nil` leaves a member as it is; for `rateLimit` and `retrySchedule`, `.some(nil)` removes it.
    public struct Changes: Sendable {
        /// A new URL.
        public var url: String?
        /// New event types.
        public var eventTypes: [String]?
        /// A new description.
        public var description: String?
        /// A new rate limit, or its removal.
        public var rateLimit: Int??
        /// A new retry schedule, or its removal (back to the default).
        public var retrySchedule: [Int]??
        /// Ordered delivery on or off.
        public var ordered: Bool?
        /// `true` enables a disabled endpoint and ends its failure streak; `false` disables it.
        public var enabled: Bool?
        /// `true` pauses an enabled endpoint (its deliveries wait); `false` resumes it (they go at once).
        public var paused: Bool?

        /// A change; `removed` names the members sent to be removed, of which only `rateLimit` and `retrySchedule` can be.
        public init(
            url: String? = nil, eventTypes: [String]? = nil, description: String? = nil, rateLimit: Int? = nil,
            retrySchedule: [Int]? = nil, ordered: Bool? = nil, enabled: Bool? = nil, paused: Bool? = nil, removed: Set<String> = []
        ) throws(ApplicationError) {
            let unremovable = removed.subtracting(["rateLimit", "retrySchedule"]).sorted()
            guard unremovable.isEmpty else {
                throw .invalid(
                    "\(unremovable.map { "field '\($0)'" }.joined(separator: ", ")) cannot be null; only rateLimit and retrySchedule can be removed",
                    code: "invalid-field")
            }
            self.url = url
            self.eventTypes = eventTypes
            self.description = description
            // Spelled out: an `Int?` assigned to an `Int??` would become `.some(nil)`, a removal, when absent.
            self.rateLimit = removed.contains("rateLimit") ? .some(nil) : rateLimit.map { .some($0) } ?? .none
            self.retrySchedule = removed.contains("retrySchedule") ? .some(nil) : retrySchedule.map { .some($0) } ?? .none
            self.ordered = ordered
            self.enabled = enabled
            self.paused = paused
        }
    }

    /// A change that sets every member to `draft`'s, defaults where it has none, as a configuration file declares
    /// the endpoint; whether it is enabled is left as it is.
    public static func replacing(with draft: Draft) throws(ApplicationError) -> Changes {
        try Changes(
            url: draft.url, eventTypes: draft.eventTypes ?? ["*"], description: draft.description ?? "", rateLimit: draft.rateLimit,
            retrySchedule: draft.retrySchedule, ordered: draft.ordered ?? false,
            removed: Set([draft.rateLimit == nil ? "rateLimit" : nil, draft.retrySchedule == nil ? "retrySchedule" : nil].compactMap { $0 }))
    }

    /// A rotated secret.
    public struct Rotation: Sendable {
        /// The new signing secret, shown only now.
        public var secret: String
        /// Until when the previous one still signs alongside.
        public var previousExpiresAt: Date
    }

    private let endpoints: EndpointRepository
    private let deliveries: DeliveryRepository
    private let secrets: VaultSecretRepository
    private let vault: CredentialVault
    private let addressPolicy: EndpointAddressPolicy

    /// A service over the store, sealing secrets with `vault` and checking URLs with `addressPolicy`.
    public init(database: Database, queue: JobQueue, vault: CredentialVault, addressPolicy: EndpointAddressPolicy) {
        self.endpoints = EndpointRepository(database: database)
        self.deliveries = DeliveryRepository(database: database, queue: queue)
        self.secrets = VaultSecretRepository(database: database)
        self.vault = vault
        self.addressPolicy = addressPolicy
    }

    /// Creates an endpoint and its signing secret, which is returned only here.
    /// Checks `draft` as creating it would, writing nothing (a configuration's dry run).
    public func check(_ draft: Draft) async throws {
        _ = try await checkedURL(draft.url)
        _ = try Self.description(draft.description ?? "")
        _ = try Self.patterns(draft.eventTypes ?? ["*"])
        _ = try draft.rateLimit.map(Self.rateLimit)
        _ = try draft.retrySchedule.map(Self.schedule)
    }

    public func create(_ draft: Draft) async throws -> (endpoint: EndpointRecord, secret: String) {
        let now = Date()
        let record = EndpointRecord(
            id: ResourceID.make(prefix: EndpointRecord.idPrefix, at: now),
            url: try await checkedURL(draft.url),
            description: try Self.description(draft.description ?? ""),
            eventTypes: try Self.patterns(draft.eventTypes ?? ["*"]),
            rateLimit: try draft.rateLimit.map(Self.rateLimit),
            retrySchedule: try draft.retrySchedule.map(Self.schedule),
            ordered: draft.ordered ?? false,
            createdAt: now,
            updatedAt: now
        )
        let secret = StandardWebhookSigner.generateSecret()
        try await endpoints.insert(record, secret: try vault.seal(EndpointSecrets(current: secret).credentials, ownerID: record.id))
        return (record, secret)
    }

    /// A page of endpoints, oldest first.
    public func list(page: PageRequest) async throws -> Page<EndpointRecord> {
        Page(fetched: try await endpoints.list(after: page.cursor, limit: page.limit + 1), limit: page.limit, cursor: \.id)
    }

    /// The endpoint with `id`.
    public func find(id: String) async throws -> EndpointRecord {
        guard ResourceID.isWellFormed(id, prefix: EndpointRecord.idPrefix), let record = try await endpoints.find(id: id) else {
            throw ApplicationError.notFound("endpoint", id: id, prefix: EndpointRecord.idPrefix)
        }
        return record
    }

    /// Applies `changes` to the endpoint with `id`.
    public func update(id: String, _ changes: Changes) async throws -> EndpointRecord {
        var record = try await find(id: id)
        if let url = changes.url { record.url = try await checkedURL(url) }
        if let description = changes.description { record.description = try Self.description(description) }
        if let ordered = changes.ordered { record.ordered = ordered }
        if let types = changes.eventTypes { record.eventTypes = try Self.patterns(types) }
        if let limit = changes.rateLimit { record.rateLimit = try limit.map(Self.rateLimit) }
        if let schedule = changes.retrySchedule { record.retrySchedule = try schedule.map(Self.schedule) }
        let wasPaused = record.status == .paused
        switch changes.enabled {
        case true?:
            record.status = .enabled
            record.disabledReason = nil
            record.failingSince = nil
        case false?:
            if record.status != .disabled {
                record.status = .disabled
                record.disabledReason = "disabled by an operator"
            }
        case nil: break
        }
        // Pausing holds an enabled endpoint's deliveries; a disabled endpoint stays disabled, whatever is asked.
        switch changes.paused {
        case true? where record.status == .enabled: record.status = .paused
        case false? where record.status == .paused: record.status = .enabled
        default: break
        }
        record.updatedAt = Date()
        guard try await endpoints.update(record) else {
            throw ApplicationError.notFound("endpoint", id: id, prefix: EndpointRecord.idPrefix)
        }
        if wasPaused && record.status == .enabled { try await deliveries.releaseHeld(endpointID: record.id) }
        return record
    }

    /// Deletes the endpoint, its secret and its pending deliveries.
    public func delete(id: String) async throws {
        guard ResourceID.isWellFormed(id, prefix: EndpointRecord.idPrefix), try await endpoints.delete(id: id) else {
            throw ApplicationError.notFound("endpoint", id: id, prefix: EndpointRecord.idPrefix)
        }
    }

    /// A new secret signs from now on; the previous one keeps signing alongside for 24 hours.
    public func rotateSecret(id: String) async throws -> Rotation {
        var record = try await find(id: id)
        let stored = try await vault.credentials(of: record.id, in: secrets)
        let now = Date()
        let newSecret = StandardWebhookSigner.generateSecret()
        let rotated = EndpointSecrets(credentials: stored).map { $0.rotated(to: newSecret, at: now) } ?? EndpointSecrets(current: newSecret)
        record.secretVersion += 1
        record.updatedAt = now
        guard try await endpoints.update(record, secret: try vault.seal(rotated.credentials, ownerID: record.id)) else {
            throw ApplicationError.notFound("endpoint", id: id, prefix: EndpointRecord.idPrefix)
        }
        return Rotation(secret: newSecret, previousExpiresAt: rotated.previousExpiresAt ?? now)
    }

    /// A page of the endpoint's delivery attempts, newest first.
    public func attempts(endpointID: String, page: PageRequest) async throws -> Page<DeliveryAttemptRecord> {
        let record = try await find(id: endpointID)
        let attempts = try await deliveries.attempts(ofEndpoint: record.id, before: page.cursor, limit: page.limit + 1)
        return Page(fetched: attempts, limit: page.limit, cursor: \.id)
    }

    /// Resends every delivery to the endpoint that failed since `since`; how many were scheduled. A disabled endpoint
    /// must be enabled first.
    public func recover(endpointID: String, since: Date) async throws -> Int {
        let record = try await find(id: endpointID)
        guard record.status != .disabled else {
            throw ApplicationError(
                kind: .conflict, code: "endpoint-disabled", title: "Endpoint disabled",
                detail:
                    "endpoint '\(record.id)' is disabled (\(record.disabledReason ?? "")); enable it with PATCH {\"enabled\": true} first")
        }
        return try await deliveries.recover(endpointID: record.id, since: since)
    }

    private func checkedURL(_ text: String) async throws(ApplicationError) -> String {
        do {
            return try await addressPolicy.check(text).absoluteString
        } catch {
            throw .invalid("field 'url': \(error.description)", code: "invalid-endpoint-url")
        }
    }

    static func patterns(_ texts: [String]) throws(ApplicationError) -> [EventTypePattern] {
        guard !texts.isEmpty, texts.count <= 100 else {
            throw .invalid("field 'eventTypes' must list from 1 to 100 event types (\"*\" for all)", code: "invalid-field")
        }
        var patterns: [EventTypePattern] = []
        for (index, text) in texts.enumerated() {
            guard let pattern = EventTypePattern(text) else {
                throw .invalid(
                    "field 'eventTypes[\(index)]' is not an event type pattern: '\(text.prefix(64))'; use an exact type, a prefix such as 'stripe.*', or '*'",
                    code: "invalid-field")
            }
            patterns.append(pattern)
        }
        return patterns
    }

    static func description(_ text: String) throws(ApplicationError) -> String {
        guard text.count <= 1000 else { throw .invalid("field 'description' must be at most 1,000 characters", code: "invalid-field") }
        return text
    }

    static func rateLimit(_ value: Int) throws(ApplicationError) -> Int {
        guard (1...100_000).contains(value) else {
            throw .invalid("field 'rateLimit' must be deliveries per second from 1 to 100,000, not \(value)", code: "invalid-field")
        }
        return value
    }

    static func schedule(_ delays: [Int]) throws(ApplicationError) -> [Int] {
        guard RetrySchedule(delays: delays) != nil else {
            throw .invalid(
                "field 'retrySchedule' must list at most 20 delays in seconds, each from 0 to \(RetrySchedule.maximumDelay) (one week)",
                code: "invalid-field")
        }
        return delays
    }
}
