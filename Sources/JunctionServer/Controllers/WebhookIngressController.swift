import JunctionApp
import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionWebhooks
import Logging
import NIOCore

/// `POST /webhooks/{connectionId}`: the inbound listener. In order: the source address's and the connection's rate
/// limits (429), the body limit (413), the signature and timestamp (401), then the inbox, which commits the event
/// (group commit) before the 2xx is sent. Processing happens later, in the job workers; the response never waits
/// for it. A refused request stores nothing: it is counted and logged, without its body.
struct WebhookIngressController: Sendable {
    typealias Context = JunctionRequestContext

    let services: JunctionServices

    /// The listener's route template.
    static let routePath = "/webhooks/:connectionId"
    /// The route as the router names a request's endpoint (and the request metrics label it).
    static let endpointPath = RouterPath(routePath).description

    func addRoutes(to router: Router<Context>) {
        router.post(RouterPath(Self.routePath), use: receive)
        router.get(RouterPath(Self.routePath), use: echoChallenge)
    }

    @Sendable func receive(request: Request, context: Context) async throws -> Response {
        let configuration = services.webhookIngress
        let connectionID = try Self.connectionID(context)
        if let address = context.remoteAddress?.ipAddress,
            let wait = services.webhookAdmission.admit(
                key: "source:" + address, ratePerSecond: configuration.sourceRateLimit, burst: Int(configuration.sourceRateLimit * 2))
        {
            services.metrics.recordInboundWebhook(.rateLimited)
            throw Self.tooManyRequests("this source address", wait: wait)
        }
        guard var source = try await services.webhookSources.source(for: connectionID) else {
            services.metrics.recordInboundWebhook(.unknownConnection)
            throw ProblemDetails.notFound("no connection with id '\(connectionID)'")
        }
        let settings = try Self.settings(of: source)
        let limit = settings.rateLimit ?? configuration.connectionRateLimit
        if let wait = services.webhookAdmission.admit(key: "connection:" + connectionID, ratePerSecond: limit, burst: Int(limit * 2)) {
            services.metrics.recordInboundWebhook(.rateLimited)
            throw Self.tooManyRequests("this connection", wait: wait)
        }
        let buffer = try await request.body.collect(upTo: configuration.maximumBodyBytes)
        let webhook = InboundWebhook(headers: request.headers, body: Array(buffer.readableBytesView))
        do {
            try settings.verifier.verify(webhook, secrets: source.secrets, now: Date())
        } catch {
            // The secret may have been rotated since this entry was cached: reload once and try again.
            guard let reloaded = try await services.webhookSources.reloadAfterFailure(of: source),
                let retried = try? Self.settings(of: reloaded),
                (try? retried.verifier.verify(webhook, secrets: reloaded.secrets, now: Date())) != nil
            else {
                services.metrics.recordInboundWebhook(.rejected)
                context.logger.warning(
                    "webhook refused",
                    metadata: [
                        "connection": "\(connectionID)", "verifier": "\(settings.verifierName)", "reason": "\(error)",
                        "source": "\(context.remoteAddress?.ipAddress ?? "unknown")", "bytes": "\(webhook.body.count)",
                    ]
                )
                if error == .noSecret {
                    context.logger.error(
                        "a connection receiving webhooks has no webhook secret", metadata: ["connection": "\(connectionID)"])
                }
                throw ProblemDetails(
                    status: .unauthorized, type: "/problems/webhook-verification-failed", title: "Webhook verification failed",
                    detail: error.description
                )
            }
            source = reloaded
        }
        if settings.verifierName == "slack", let challenge = SlackSignatureVerifier.urlVerificationChallenge(in: webhook) {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        guard let body = webhook.text else {
            throw ProblemDetails.badRequest("the webhook body is not UTF-8 text")
        }
        let entry = InboxEntry(
            connectionID: connectionID,
            provider: settings.verifierName,
            identity: settings.verifier.inboxIdentity(webhook),
            headersJSON: InboxEntry.keptHeadersJSON(of: webhook),
            body: body
        )
        switch try await services.inbox.commit(entry) {
        case .stored(let id):
            services.metrics.recordInboundWebhook(.stored)
            return Self.acknowledgement(#"{"duplicate":false,"id":"\#(id)"}"#)
        case .duplicate:
            services.metrics.recordInboundWebhook(.duplicate)
            context.logger.info(
                "duplicate webhook acknowledged", metadata: ["connection": "\(connectionID)", "eventId": "\(entry.identity.eventID)"])
            return Self.acknowledgement(#"{"duplicate":true}"#)
        }
    }

    /// The echo handshake some senders make before sending events: `GET /webhooks/{id}?<parameter>=<value>`
    /// answers `<value>` when the connection's `settings.webhook.challengeParameter` names that parameter.
    @Sendable func echoChallenge(request: Request, context: Context) async throws -> Response {
        let connectionID = try Self.connectionID(context)
        guard let source = try await services.webhookSources.source(for: connectionID) else {
            throw ProblemDetails.notFound("no connection with id '\(connectionID)'")
        }
        let settings = try Self.settings(of: source)
        guard let parameter = settings.challengeParameter else {
            // Only connections that name a challenge parameter have a handshake to answer.
            throw ProblemDetails.notFound(
                "this connection has no GET handshake (settings.webhook.challengeParameter); its webhooks are POSTed")
        }
        guard let value = request.uri.queryParameters.get(parameter), !value.isEmpty, value.count <= 1024 else {
            throw ProblemDetails.badRequest("query parameter '\(parameter)' is required, at most 1,024 characters")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: value)))
    }

    private static func connectionID(_ context: Context) throws -> String {
        let id = context.webhookConnectionID.map(String.init) ?? context.parameters.get("connectionId") ?? ""
        guard ResourceID.isWellFormed(id, prefix: ConnectionRecord.idPrefix) else {
            throw ProblemDetails.notFound("no connection with id '\(id.prefix(64))'")
        }
        return id
    }

    /// The `{connectionId}` of a path `/webhooks/{connectionId}` (the id unchecked); `nil` for any other path,
    /// including one with more segments or a trailing slash.
    static func connectionID(inPath path: String) -> Substring? {
        let prefix = "/webhooks/".utf8
        guard path.utf8.starts(with: prefix) else { return nil }
        let id = Substring(path.utf8.dropFirst(prefix.count))
        guard !id.isEmpty, !id.utf8.contains(UInt8(ascii: "/")) else { return nil }
        return id
    }

    private static func settings(of source: WebhookSourceCache.Source) throws -> WebhookSourceSettings {
        switch source.settings {
        case .success(let settings): return settings
        case .failure(let error):
            throw ProblemDetails(
                status: .notFound, type: "/problems/webhooks-not-configured", title: "Webhooks not configured",
                detail: "connection '\(source.connectionID)' does not receive webhooks: \(error)"
            )
        }
    }

    private static func tooManyRequests(_ what: String, wait: Duration) -> ProblemDetails {
        let seconds = max(1, Int((Double(wait.milliseconds) / 1000).rounded(.up)))
        return ProblemDetails(
            status: .tooManyRequests, type: "/problems/rate-limited", title: "Too many requests",
            detail: "too many webhooks from \(what); retry after \(seconds) s", headers: [.retryAfter: String(seconds)]
        )
    }

    private static func acknowledgement(_ json: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
