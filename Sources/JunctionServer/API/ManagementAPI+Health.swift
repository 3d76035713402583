import Foundation
import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionStore

extension ManagementAPI {
    func getConnectionHealth(_ input: Operations.GetConnectionHealth.Input) async throws -> Operations.GetConnectionHealth.Output {
        .ok(.init(body: .json(.init(try await health.report(connectionID: input.path.id)))))
    }

    func getConnectionVersions(_ input: Operations.GetConnectionVersions.Input) async throws -> Operations.GetConnectionVersions.Output {
        let now = Date()
        let status = try await health.versions(connectionID: input.path.id, at: now)
        return .ok(
            .init(
                body: .json(
                    .init(
                        inUse: status.inUse, pinnedBy: status.pinnedBy.flatMap { .init(rawValue: $0) },
                        versions: status.versions.map { version in
                            .init(
                                version: version.version, inUse: version.inUse, deprecated: version.deprecated, deprecatedAt: version.deprecatedAt,
                                sunsetAt: version.sunsetAt, daysLeft: version.daysLeft(at: now), link: version.link, source: version.source,
                                endpoints: version.endpoints.map {
                                    .init(
                                        endpoint: $0.endpoint, deprecated: $0.notice.deprecated, deprecatedAt: $0.notice.deprecatedAt,
                                        sunsetAt: $0.notice.sunsetAt, link: $0.notice.link, lastSeenAt: $0.lastSeenAt)
                                })
                        }))))
    }

    func listAlerts(_ input: Operations.ListAlerts.Input) async throws -> Operations.ListAlerts.Output {
        let query = input.query
        let page = try await health.alerts(
            page: PageRequest(limit: query.limit, cursor: query.cursor, prefix: Alert.idPrefix), status: query.status?.rawValue,
            connectionID: query.connectionId)
        return .ok(.init(body: .json(.init(data: page.items.map(Components.Schemas.Alert.init), nextCursor: page.nextCursor))))
    }

    func getAlert(_ input: Operations.GetAlert.Input) async throws -> Operations.GetAlert.Output {
        .ok(.init(body: .json(.init(try await health.alert(id: input.path.id)))))
    }

    func acknowledgeAlert(_ input: Operations.AcknowledgeAlert.Input) async throws -> Operations.AcknowledgeAlert.Output {
        .ok(.init(body: .json(.init(try await health.acknowledge(id: input.path.id, by: input.query.by)))))
    }

    func listOperationalEvents(_ input: Operations.ListOperationalEvents.Input) async throws -> Operations.ListOperationalEvents.Output {
        let query = input.query
        let page = try await health.operationalEvents(
            page: PageRequest(limit: query.limit, cursor: query.cursor, prefix: OperationalEvent.idPrefix), connectionID: query.connectionId,
            type: query._type)
        let events = page.items.map {
            Components.Schemas.OperationalEvent(id: $0.id, _type: $0.type, connectionId: $0.connectionID, message: $0.message, createdAt: $0.createdAt)
        }
        return .ok(.init(body: .json(.init(data: events, nextCursor: page.nextCursor))))
    }
}

extension Components.Schemas.ConnectionHealth {
    init(_ report: HealthService.Report) {
        let health = report.health
        let window = report.window
        self.init(
            connectionId: health.connectionID, state: .init(health.state), cause: health.cause, detail: health.detail, since: health.since,
            window: .init(
                calls: window.calls, errors: window.errors, errorRate: (window.errorRate * 1000).rounded() / 1000,
                averageLatencyMs: window.calls == 0 ? nil : Double(window.latencyMilliseconds) / Double(window.calls)),
            probe: .init(
                lastAt: health.lastProbeAt, succeeded: health.lastProbeSucceeded, latencyMs: health.lastProbeMilliseconds,
                error: health.lastProbeError, failuresInARow: health.probeFailures, nextAt: health.nextProbeAt),
            settings: .init(
                probeEverySeconds: report.settings.probeEvery.inSeconds, windowSeconds: report.settings.window.inSeconds,
                minimumCalls: report.settings.minimumCalls, degradedErrorRate: report.settings.degradedErrorRate,
                downErrorRate: report.settings.downErrorRate, probePath: report.settings.probePath),
            history: report.history.map {
                .init(id: $0.id, state: .init($0.state), previous: .init($0.previous), cause: $0.cause, detail: $0.detail, at: $0.at)
            })
    }
}

extension Components.Schemas.HealthState {
    init(_ state: HealthState) {
        self = Self(rawValue: state.rawValue) ?? .healthy
    }
}

extension Components.Schemas.Alert {
    init(_ alert: Alert) {
        self.init(
            id: alert.id, connectionId: alert.connectionID, cause: alert.cause, severity: .init(rawValue: alert.severity.rawValue) ?? .warning,
            status: .init(rawValue: alert.status.rawValue) ?? .open, title: alert.title, detail: alert.detail, occurrences: alert.occurrences,
            openedAt: alert.openedAt, updatedAt: alert.updatedAt, acknowledgedAt: alert.acknowledgedAt, acknowledgedBy: alert.acknowledgedBy,
            resolvedAt: alert.resolvedAt)
    }
}
