import Hummingbird

/// Records every response's route, status and latency. Placed outermost, so it sees the status of problem
/// responses too; the route is the matched template (`/api/v1/connections/{id}`), never the raw path, so ids
/// do not explode the label set.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.recordRequest(
            routerPath: context.endpointPath,
            method: request.method.rawValue,
            status: response.status.code,
            duration: ContinuousClock.now - start
        )
        return response
    }
}
