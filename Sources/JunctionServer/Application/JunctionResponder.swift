import Hummingbird

/// The application's responder: a webhook (`POST /webhooks/{connectionId}`) goes to the inbound listener without
/// the router's lookup, every other request to the router.
///
/// Hummingbird's router walks a path through its trie by `Character` and captures the id into its parameters; for
/// a webhook, a busy server's most frequent request, that cost about as much CPU as verifying its signature. Here
/// the path is matched as bytes instead, and the request then takes the same middleware and handler as through the
/// router, where the route stays registered (a path with more segments, or another method, still goes there).
struct JunctionResponder: HTTPResponder {
    typealias Context = JunctionRequestContext

    /// Every route, behind the router's middleware.
    let router: RouterResponder<Context>
    /// The listener's handler behind the same middleware.
    let webhooks: any HTTPResponder<Context>

    /// `router`, and `listener` behind `middleware` (outermost first), as the router chains the middleware it was
    /// given before its routes.
    init(
        router: RouterResponder<Context>, middleware: [any MiddlewareProtocol<Request, Response, Context>],
        listener: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        self.router = router
        self.webhooks = middleware.reversed().reduce(CallbackResponder(callback: listener) as any HTTPResponder<Context>) {
            next, middleware in
            MiddlewareResponder(middleware: middleware, next: next)
        }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .post, let connectionID = WebhookIngressController.connectionID(inPath: request.uri.path) else {
            return try await router.respond(to: request, context: context)
        }
        var context = context
        context.webhookConnectionID = connectionID
        context.coreContext.endpointPath.value = WebhookIngressController.endpointPath
        return try await webhooks.respond(to: request, context: context)
    }
}

/// A responder behind one middleware (Hummingbird's own chain, `MiddlewareGroup`, cannot be made outside it).
private struct MiddlewareResponder<Context: RequestContext>: HTTPResponder {
    let middleware: any MiddlewareProtocol<Request, Response, Context>
    let next: any HTTPResponder<Context>

    func respond(to request: Request, context: Context) async throws -> Response {
        try await middleware.handle(request, context: context) { request, context in try await next.respond(to: request, context: context) }
    }
}
