import Foundation
import Hummingbird
import JunctionAPI
import JunctionStore

/// The queue page: depth by kind, dead jobs with a retry button, and the operational events.
extension DashboardController {
    func addJobRoutes(to signedIn: RouterGroup<Context>) {
        signedIn.get("jobs", use: jobs)
        signedIn.post("jobs/:id/retry", use: retryJob)
    }

    @Sendable func jobs(_ request: Request, context: Context) async throws -> Response {
        let statistics = try await services.queue.statistics()
        let dead = try await services.queue.deadJobs(limit: 50)
        let operational = try await api.listOperationalEvents(.init(query: .init(limit: 30))).ok.body.json.data
        let view: [String: Any] = [
            "kinds": statistics.map { entry -> [String: Any] in
                [
                    "kind": entry.kind, "queued": entry.queued, "running": entry.running, "dead": entry.dead,
                    "oldest": entry.oldestReadyAge == .zero ? "" : "\(entry.oldestReadyAge.components.seconds) s",
                ]
            },
            "hasKinds": !statistics.isEmpty,
            "dead": dead.map { job -> [String: Any] in
                ["id": String(job.id), "kind": job.kind, "attempts": job.attempts, "diedAt": Self.time(job.diedAt), "lastError": job.lastError ?? ""]
            },
            "hasDead": !dead.isEmpty,
            "operational": try operational.map(TemplateValue.of), "hasOperational": !operational.isEmpty,
        ]
        return renderer.render("jobs", page: view, chrome: chrome(context, "/ui/jobs", request))
    }

    @Sendable func retryJob(_ request: Request, context: Context) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw DashboardError.notFound("no such job") }
        switch try await services.queue.retryDead(id: id) {
        case .queued: return Self.redirect(to: "/ui/jobs?notice=job-retried")
        case .notDead: throw DashboardError.notFound("Job \(id) is not dead (it may have been retried already).")
        case .duplicate: throw DashboardError.conflict("Job \(id) stays dead: a job with the same key is already waiting or running.")
        }
    }
}
