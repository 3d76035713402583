import Foundation
import HTTPTypes
import Hummingbird
import JunctionApp
import JunctionCore
import JunctionStore
import JunctionHTTP
import Logging
import NIOCore

/// `/api/v1/connections/{id}/proxy/{path…}`: any method, forwarded to the connection's base URL with its
/// credentials injected and the API client's retry, rate-limit and breaker policy applied. The request body
/// is buffered (so a retry can send it again); the response body streams back as it arrives. The response
/// says which attempt succeeded in `Junction-Attempt`.
struct ProxyController<Context: RequestContext>: Sendable {
    let services: JunctionServices
    /// Largest request body forwarded.
    static var maximumRequestBytes: Int { 10 * 1024 * 1024 }

    func addRoutes(to api: RouterGroup<Context>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            api.on("connections/:id/proxy/**", method: method, use: forward)
        }
    }

    @Sendable func forward(request: Request, context: Context) async throws -> Response {
        // The same session the resources API opens: the base URL is settings.baseURL, else the instance URL the
        // connection's token names (Salesforce), else the provider's default.
        let session = try await services.runtime.open(id: context.parameters.get("id") ?? "")
        let base = session.baseURL
        let segments = context.parameters.getCatchAll()
        // `..` would climb out of the connection's base path (`/v1/../admin`), encoded or not.
        guard
            !segments.contains(where: { segment in
                let decoded = String(segment).removingPercentEncoding ?? String(segment)
                return decoded == "." || decoded == ".."
            })
        else {
            throw ProblemDetails.badRequest("the proxied path may not contain '.' or '..' segments", type: "/problems/proxy-path")
        }
        let path = segments.joined(separator: "/")
        var url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + path
        if let query = request.uri.query, !query.isEmpty { url += "?" + query }

        // Headers the client lists in `Connection` are hop-by-hop too (RFC 9110 §7.6.1).
        let connectionOptions = Set(
            request.headers[values: .connection].flatMap { $0.split(separator: ",") }.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
        )
        var headers = HTTPFields()
        for field in request.headers {
            let name = field.name.canonicalName
            guard !ProxyHeaders.droppedFromRequests.contains(name), !connectionOptions.contains(name), !name.hasPrefix("x-forwarded-")
            else { continue }
            headers.append(field)
        }
        let body = try await request.body.collect(upTo: Self.maximumRequestBytes)
        let outbound = APIRequest(
            method: request.method, url: url, headers: headers,
            body: body.readableBytes > 0 ? Data(body.readableBytesView) : nil, connectionID: session.connection.id
        )
        // By default the proxy adds no idempotency key, so a POST is retried only when it surely did not arrive
        // (or carries the caller's own key). A connection that names its provider's header in
        // settings.client.idempotencyKeyHeader gets a key on every retried POST.
        let policy = session.policy(defaults: ClientPolicy(idempotencyKeyHeader: nil))
        let response = try await session.sender.send(outbound) { try await send($0, policy: policy) }
        await services.runtime.touch(session)
        var responseHeaders = HTTPFields()
        for field in response.headers where !ProxyHeaders.droppedFromResponses.contains(field.name.canonicalName) {
            responseHeaders.append(field)
        }
        responseHeaders[HTTPField.Name("Junction-Attempt")!] = String(response.attempt)
        return Response(
            status: HTTPResponse.Status(code: response.status),
            headers: responseHeaders,
            body: ResponseBody(asyncSequence: response.body)
        )
    }

    /// Sends through the API client; provider error answers pass through to the caller unchanged, while failures to
    /// reach the provider are thrown as they are and become problem documents (502/504/503) in one place.
    private func send(_ request: APIRequest, policy: ClientPolicy) async throws -> APIStreamingResponse {
        try await services.apiClient.stream(request, policy: policy, passingErrorsThrough: true)
    }
}

/// Headers the proxy does not forward.
enum ProxyHeaders {
    /// Hop-by-hop headers (RFC 9110 §7.6.1), and ours that must not travel on: the admin token and cookies.
    static let droppedFromRequests: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
        "upgrade", "host", "content-length", "authorization", "cookie", "expect", "forwarded",
    ]
    /// Hop-by-hop headers, and the provider's cookies (they would be set on Junction's origin).
    static let droppedFromResponses: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "set-cookie",
    ]
}
