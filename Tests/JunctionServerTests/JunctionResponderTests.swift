import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import JunctionServer

/// The application's front: webhooks to the listener without the router's lookup, everything else to the router.
@Suite("Application responder")
struct JunctionResponderTests {
    @Test("only a path of exactly /webhooks/{id} names a connection")
    func webhookPaths() {
        #expect(WebhookIngressController.connectionID(inPath: "/webhooks/conn_1") == "conn_1")
        for path in [
            "/webhooks/", "/webhooks", "/webhooks/conn_1/", "/webhooks//conn_1", "/webhooks/conn_1/extra", "/webhooksx/conn_1",
            "/Webhooks/conn_1", "webhooks/conn_1", "",
        ] {
            #expect(WebhookIngressController.connectionID(inPath: path) == nil, "\(path)")
        }
    }

    @Test("a webhook reaches the listener with its id and endpoint even when the router has no such route; the rest is the router's")
    func routing() async throws {
        // A router without the listener's routes: whatever reaches the listener came through the front.
        let router = Router(context: JunctionRequestContext.self)
        router.get("health/live") { _, _ in "live" }
        let responder = JunctionResponder(router: router.buildResponder(), middleware: []) { _, context in
            let id = context.webhookConnectionID ?? "-"
            return Response(status: .accepted, body: .init(byteBuffer: .init(string: "\(id) \(context.endpointPath ?? "-")")))
        }
        try await Application(responder: responder).test(.router) { client in
            let webhook = try await client.execute(uri: "/webhooks/conn_7?x=1", method: .post)
            #expect(webhook.status == .accepted)
            #expect(String(buffer: webhook.body) == "conn_7 \(WebhookIngressController.endpointPath)")
            for (uri, method) in [
                ("/webhooks/conn_7", HTTPRequest.Method.get), ("/webhooks/conn_7/extra", .post), ("/webhooks/conn_7/", .post),
            ] {
                #expect(try await client.execute(uri: uri, method: method).status == .notFound, "\(method) \(uri)")
            }
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
        }
    }
}
