import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionStore
import JunctionWebhooks
import Logging
import ServiceLifecycle

/// Watches every connection's health, as a service of `junction serve` on every node.
///
/// Each tick, every node stores the calls it counted (``CallRecorder``). The node holding the monitor's lease then
/// probes the connections whose probe is due (each probe is also claimed in the store, so even two leaders for a
/// moment probe once), judges every connection (``HealthEvaluator``), and commits each change of state with its
/// cause, its alert and an operational event in one transaction. It pauses the syncs of a connection that is `down`
/// or `needs_reauth` and resumes them when it recovers, and sends one outbound message per change
/// (`connection.health.degraded`, `.down`, `.recovered`, `connection.reauthorization_required`), at least once.
public struct HealthMonitor: Service {
    /// How the monitor runs.
    public struct Configuration: Sendable {
        /// How often it ticks.
        public var interval: Duration = .seconds(5)
        /// Probes made at once.
        public var probeConcurrency = 8
        /// This node's name in the monitor's lease.
        public var node = ResourceID.make(prefix: "node")
        /// Whether this node may probe and judge (holding the lease in turn with the others). A node that serves HTTP
        /// only still stores the calls it counted, and leaves the rest to the nodes that run background work.
        public var judges = true

        /// The defaults.
        public init() {}
    }

    /// The reason a sync paused by its connection's health shows; it resumes when the connection recovers.
    public static let awaitingRecovery = "the connection is down or needs authorization; the sync resumes once it recovers"
    /// The lease only one node holds while it judges and probes.
    static let lease = "health-monitor"

    let database: Database
    let runtime: ConnectionRuntime
    let recorder: CallRecorder
    let dispatcher: MessageDispatcher
    let catalog: ProviderCatalog
    let configuration: Configuration
    let logger: Logger

    /// A monitor over this server's connections.
    public init(
        database: Database, runtime: ConnectionRuntime, recorder: CallRecorder, dispatcher: MessageDispatcher, catalog: ProviderCatalog,
        configuration: Configuration = .init(), logger: Logger
    ) {
        self.catalog = catalog
        self.database = database
        self.runtime = runtime
        self.recorder = recorder
        self.dispatcher = dispatcher
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await tick()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("health monitor tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.interval)
        }
        // What this node counted last is kept for the others.
        try? await flush()
    }

    /// One round at `now`: store this node's counts, then, holding the lease, probe what is due, judge every
    /// connection, and announce the changes. Returns the changes made.
    @discardableResult
    public func tick(now: Date = Date()) async throws -> [HealthTransition] {
        try await flush()
        guard configuration.judges,
            try await LeaseRepository(database: database).acquire(Self.lease, holder: configuration.node, for: configuration.interval * 3)
        else { return [] }
        let connections = try await monitoredConnections()
        let health = HealthRepository(database: database)
        var current = try await health.all()
        for connection in connections.values where current[connection.record.id] == nil {
            // A new connection is probed first within one interval (spread, so many new ones do not probe at once).
            let first = connection.settings.paused ? nil : now.addingTimeInterval(connection.settings.probeEvery.inSeconds * .random(in: 0..<1))
            try await health.track(connectionID: connection.record.id, state: .healthy, firstProbe: first, at: now)
        }
        try await probeDue(connections, at: now)
        current = try await health.all()
        let longest = connections.values.map(\.settings.window).max() ?? .seconds(300)
        let counts = try await health.callCounts(since: now.addingTimeInterval(-longest.inSeconds))
        var changes: [HealthTransition] = []
        for connection in connections.values {
            guard let stored = current[connection.record.id] else { continue }
            let windowStart = HealthRepository.bucket(of: now.addingTimeInterval(-connection.settings.window.inSeconds))
            var window = CallCounts()
            for (bucket, count) in counts[connection.record.id] ?? [:] where bucket >= windowStart { window.add(count) }
            let verdict = HealthEvaluator.evaluate(
                settings: connection.settings, window: window, probeFailures: stored.probeFailures, lastProbeError: stored.lastProbeError,
                connectionStatus: connection.record.status, statusReason: connection.record.statusReason, previous: stored)
            if verdict.state == .paused, stored.nextProbeAt != nil { try await health.scheduleProbe(connectionID: connection.record.id, at: nil) }
            if verdict.state != .paused, stored.nextProbeAt == nil {
                try await health.scheduleProbe(connectionID: connection.record.id, at: now.addingTimeInterval(connection.settings.probeEvery.inSeconds))
            }
            if let change = try await apply(verdict, to: connection.record, previous: stored, at: now) { changes.append(change) }
        }
        try await matchSyncs(at: now)
        try await announce()
        try await alertSunsets(connections, at: now)
        if Int(now.timeIntervalSince1970) % 600 < Int(configuration.interval.inSeconds) {
            try await health.pruneCallCounts(before: now.addingTimeInterval(-86_400))
        }
        return changes
    }

    /// Stores what this node counted and the version notices it saw (both put back when the store cannot take them).
    func flush() async throws {
        let notices = recorder.drainNotices()
        do {
            try await APIVersionRepository(database: database).save(notices)
        } catch {
            recorder.restore(notices)
            throw error
        }
        let drained = recorder.drain()
        guard !drained.isEmpty else { return }
        do {
            try await HealthRepository(database: database).add(drained)
        } catch {
            recorder.restore(drained)
            throw error
        }
    }

    /// A connection with its effective health settings.
    struct Monitored: Sendable {
        var record: ConnectionRecord
        var settings: HealthSettings
        /// Its integration's settings, beneath its own.
        var integrationSettings: JSONValue?
    }

    /// Every connection, with its integration's health settings beneath its own. A connection whose settings cannot be
    /// read (written before a rule existed) is judged with the defaults.
    func monitoredConnections() async throws -> [String: Monitored] {
        let integrations = IntegrationRepository(database: database)
        var integrationSettings: [String: JSONValue] = [:]
        var cursor: String?
        repeat {
            let page = try await integrations.list(after: cursor, limit: 500)
            for integration in page { integrationSettings[integration.id] = integration.settings }
            cursor = page.count == 500 ? page.last?.id : nil
        } while cursor != nil
        var connections: [String: Monitored] = [:]
        let repository = ConnectionRepository(database: database)
        repeat {
            let page = try await repository.list(after: cursor, limit: 500)
            for record in page {
                let effective = record.integrationID.flatMap { integrationSettings[$0] }.map {
                    ConnectionSetup.merged(integration: $0, connection: record.settings)
                } ?? record.settings
                connections[record.id] = Monitored(
                    record: record, settings: (try? HealthSettings(settings: effective)) ?? HealthSettings(),
                    integrationSettings: record.integrationID.flatMap { integrationSettings[$0] })
            }
            cursor = page.count == 500 ? page.last?.id : nil
        } while cursor != nil
        return connections
    }

    /// Probes the connections whose probe is due, a few at once, each claimed first.
    func probeDue(_ connections: [String: Monitored], at now: Date) async throws {
        let health = HealthRepository(database: database)
        let due = try await health.claimProbes(at: now, limit: 100) { id in
            let every = (connections[id]?.settings.probeEvery ?? .seconds(60)).inSeconds
            return now.addingTimeInterval(every + every * 0.1 * .random(in: 0..<1))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for id in due {
                guard let connection = connections[id] else { continue }
                if running >= configuration.probeConcurrency {
                    try await group.next()
                    running -= 1
                }
                group.addTask { try await probe(connection.record, at: now) }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    /// Makes the connector's cheap authenticated call and records how it went. A connection with no probe is asked
    /// again only hourly; one whose credentials need a person is judged by its status instead.
    func probe(_ connection: ConnectionRecord, at now: Date) async throws {
        let health = HealthRepository(database: database)
        let started = ContinuousClock.now
        var failure: String?
        do {
            let session = try await runtime.open(id: connection.id)
            let connector = try session.requireConnector()
            try await connector.probe(session: runtime.connectorSession(session, connector: connector))
        } catch ConnectorError.probeUnavailable {
            // Asked again hourly, in case its settings gain a probe path.
            try await health.scheduleProbe(connectionID: connection.id, at: now.addingTimeInterval(3600))
            return
        } catch let error as ConnectionCallError where error.needsAuthorization {
            return
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            failure = (error as? any JunctionError)?.detail ?? String(describing: error)
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.milliseconds)
        try await health.recordProbe(connectionID: connection.id, at: now, milliseconds: milliseconds, error: failure.map { String($0.prefix(500)) })
        if let failure { logger.notice("connection probe failed", metadata: ["connection": "\(connection.id)", "error": "\(failure)"]) }
    }

    /// Commits a change of state: the alert of its cause (others resolved) and an operational event. Nothing when the
    /// state stays (a new cause in the same state still gets its alert).
    func apply(_ verdict: HealthEvaluator.Verdict, to connection: ConnectionRecord, previous: ConnectionHealth, at now: Date) async throws
        -> HealthTransition?
    {
        let alertCause = verdict.cause.map { "health." + $0 }
        let healthCauses = ["health.error_rate", "health.probe", "health.reauthorization"]
        let change = try await HealthRepository(database: database).transition(
            connectionID: connection.id, to: verdict.state, cause: verdict.cause, detail: verdict.detail, at: now
        ) { sql in
            try await AlertRepository.resolve(
                connectionID: connection.id, causes: healthCauses.filter { $0 != alertCause }, at: now, using: sql)
            if let alertCause, verdict.state != .paused, verdict.state != .healthy {
                try await AlertRepository.raise(
                    connectionID: connection.id, cause: alertCause, severity: verdict.state == .degraded ? .warning : .critical,
                    title: "\(connection.name) is \(verdict.state.rawValue.replacingOccurrences(of: "_", with: " "))", detail: verdict.detail ?? "",
                    at: now, using: sql)
            }
            try await OperationalEventRepository.record(
                type: "connection.health.\(verdict.state.rawValue)", connectionID: connection.id,
                message: "\(previous.state.rawValue) → \(verdict.state.rawValue)" + (verdict.detail.map { ": " + $0 } ?? ""), using: sql)
        }
        guard let change else { return nil }
        logger.notice(
            "connection health changed",
            metadata: [
                "connection": "\(connection.id)", "from": "\(change.previous.rawValue)", "to": "\(change.state.rawValue)",
                "cause": "\(change.cause ?? "none")",
            ])
        return change
    }

    /// Pauses the syncs of connections that are `down` or `needs_reauth` and resumes those paused for that once their
    /// connection recovered. Every tick, from the stored states, so a tick that died after committing a change still
    /// gets its syncs right on the next.
    func matchSyncs(at now: Date) async throws {
        let syncs = SyncRepository(database: database)
        let mismatches = try await syncs.healthMismatches(pausedFor: Self.awaitingRecovery)
        for (id, state) in mismatches.pause {
            _ = try await syncs.pause(id: id, reason: Self.awaitingRecovery, at: now)
            logger.info("sync paused: its connection is \(state)", metadata: ["sync": "\(id)"])
        }
        for id in mismatches.resume {
            _ = try await syncs.resume(id: id, nextRunAt: now, at: now)
            logger.info("sync resumes: its connection recovered", metadata: ["sync": "\(id)"])
        }
    }

    /// Raises an alert when the API version a connection uses comes within 90, 30 and 7 days of its sunset and once it
    /// is past (each threshold once; the alert for the version is one, its severity and facts updated), and resolves
    /// the alerts of versions the connection no longer uses.
    func alertSunsets(_ connections: [String: Monitored], at now: Date) async throws {
        let repository = APIVersionRepository(database: database)
        let notices = try await repository.notices(connectionID: nil)
        let alerted = try await AlertRepository(database: database).connections(withUnresolvedCausePrefix: "sunset:")
        for connection in connections.values where !connection.settings.paused {
            let status = APIVersionStatus.make(
                connection: connection.record, integrationSettings: connection.integrationSettings,
                defaultVersion: catalog.provider(named: connection.record.provider)?.defaultAPIVersion, notices: notices, at: now)
            guard let version = status.versions.first(where: \.inUse) else { continue }
            let cause = "sunset:" + version.version
            guard let sunset = version.sunsetAt, let daysLeft = version.daysLeft(at: now), let threshold = APIVersionStatus.threshold(daysLeft: daysLeft) else {
                // The versions it no longer uses (from headers or from a schedule) have nothing to warn of.
                guard alerted.contains(connection.record.id) else { continue }
                _ = try await database.transaction { sql in
                    try await AlertRepository.resolve(connectionID: connection.record.id, causePrefix: "sunset:", keeping: nil, at: now, using: sql)
                }
                continue
            }
            if let alerted = try await repository.alertedThreshold(connectionID: connection.record.id, version: version.version), alerted <= threshold { continue }
            let when = sunset.formatted(.iso8601.year().month().day())
            let title =
                daysLeft <= 0
                ? "\(connection.record.name) uses API version \(version.version), retired on \(when)"
                : "\(connection.record.name)'s API version \(version.version) is retired on \(when), in \(daysLeft) day\(daysLeft == 1 ? "" : "s")"
            let endpoints = version.endpoints.map(\.endpoint)
            let detail =
                "the provider's \(version.source == "headers" ? "answers (" + endpoints.prefix(5).joined(separator: ", ") + ")" : "published schedule")"
                + " name \(when) as the sunset of \(version.version)" + (version.link.map { "; see " + $0 } ?? "")
                + "; pin a newer version in settings.apiVersion of the connection or its integration"
            try await database.transaction { sql in
                try await AlertRepository.resolve(connectionID: connection.record.id, causePrefix: "sunset:", keeping: cause, at: now, using: sql)
                try await AlertRepository.raise(
                    connectionID: connection.record.id, cause: cause, severity: threshold <= 7 ? .critical : .warning, title: title, detail: detail,
                    at: now, using: sql)
                try await APIVersionRepository.noteAlerted(connectionID: connection.record.id, version: version.version, threshold: threshold, using: sql)
                try await OperationalEventRepository.record(type: "connection.api_version.sunset", connectionID: connection.record.id, message: title, using: sql)
            }
            logger.notice("API version sunset approaching", metadata: ["connection": "\(connection.record.id)", "version": "\(version.version)", "daysLeft": "\(daysLeft)"])
        }
    }

    /// Sends the message of every change not yet announced (its id is the message's idempotency key, so a message
    /// sent twice after a crash is delivered once).
    func announce() async throws {
        let health = HealthRepository(database: database)
        for change in try await health.unannounced(limit: 200) {
            if let type = Self.messageType(change) {
                _ = try await dispatcher.publish(eventType: type, payload: Self.payload(change), idempotencyKey: change.id)
            }
            try await health.markAnnounced(change.id)
        }
    }

    /// The outbound message a change sends: none for changes into or out of `paused`, and none between two healthy-ish
    /// states that say nothing new.
    static func messageType(_ change: HealthTransition) -> String? {
        switch change.state {
        case .degraded: "connection.health.degraded"
        case .down: "connection.health.down"
        case .needsReauth: "connection.reauthorization_required"
        case .healthy: [.degraded, .down, .needsReauth].contains(change.previous) ? "connection.health.recovered" : nil
        case .paused: nil
        }
    }

    static func payload(_ change: HealthTransition) -> JSONValue {
        var payload: JSONObject = [
            "connectionId": .string(change.connectionID), "state": .string(change.state.rawValue), "previous": .string(change.previous.rawValue),
            "at": .string(change.at.formatted(.iso8601)),
        ]
        if let cause = change.cause { payload["cause"] = .string(cause) }
        if let detail = change.detail { payload["detail"] = .string(detail) }
        return .object(payload)
    }
}
