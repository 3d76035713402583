import Foundation
import Hummingbird
import JunctionApp
import NIOCore

/// `GET /api/v1/connections/{id}/resources/{resource}/{externalId}/content`: a stored file's bytes (Cloud Storage
/// objects) with the provider's media type, which the generated server cannot pass on (it names one media type per
/// response), so this route is hand-written; `openapi.yaml` describes it all the same.
struct RecordContentController<Context: RequestContext>: Sendable {
    let resources: ResourceService

    func addRoutes(to api: RouterGroup<Context>) {
        api.get("connections/:id/resources/:resource/:externalId/content", use: download)
    }

    @Sendable func download(request: Request, context: Context) async throws -> Response {
        // Ids with a '/' (Cloud Storage object names) arrive percent-encoded.
        guard let externalID = context.parameters.get("externalId").flatMap({ $0.removingPercentEncoding }) else {
            throw ApplicationError.invalid("the record id in the path is badly percent-encoded", code: "invalid-parameter")
        }
        let file = try await resources.download(
            connectionID: context.parameters.get("id") ?? "", resource: context.parameters.get("resource") ?? "", externalID: externalID)
        return Response(status: .ok, headers: [.contentType: file.contentType], body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }
}
