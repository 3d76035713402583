import Foundation
import Hummingbird
import JunctionHTTP
import JunctionStore
import NIOCore
import Prometheus

/// Health, readiness, metrics and the API description: the routes operators and load balancers use,
/// outside the admin token.
struct OperationsController<Context: RequestContext>: Sendable {
    let database: Database
    let migrator: Migrator
    let queue: JobQueue
    let metrics: ServerMetrics
    let breakers: CircuitBreakerRegistry

    func addRoutes(to router: Router<Context>) {
        router.get("health/live") { _, _ in
            try JSONResponse.make(["status": "live"])
        }
        router.get("health/ready") { _, _ in
            try await readiness()
        }
        router.get("metrics") { _, _ in
            metrics.refreshQueueGauges(from: (try? await queue.statistics()) ?? [])
            metrics.refreshCircuitGauges(from: breakers.states)
            if let states = try? await HealthRepository(database: database).states() { metrics.refreshHealthGauges(from: states) }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer()))
            )
        }
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
            )
        }
    }

    private func readiness() async throws -> Response {
        do {
            try await database.ping()
        } catch {
            throw notReady("the database does not answer: \(String(describing: error).prefix(300))")
        }
        let version = try await migrator.currentVersion()
        guard version >= SchemaMigrations.latestVersion else {
            throw notReady(
                "the database schema is at version \(version), this server needs \(SchemaMigrations.latestVersion); run `junction migrate`")
        }
        return try JSONResponse.make(["status": "ready", "schemaVersion": String(version)])
    }

    private func notReady(_ detail: String) -> ProblemDetails {
        ProblemDetails(status: .serviceUnavailable, type: "/problems/not-ready", title: "Not ready", detail: detail)
    }
}
