import Foundation
import Hummingbird
import OpenAPIRuntime

/// Reads a request's body whole, up to the context's upload limit, before the generated handlers see it (the OpenAPI
/// transport streams bodies without a limit; a larger body is a 413 problem), and says where a body that is not JSON
/// goes wrong, which only the bytes can tell (the decoder says no more than that it failed).
struct RequestBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.carriesBody(request.method) else { return try await next(request, context) }
        var request = request
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        request.body = .init(buffer: body)
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            guard case .dataCorrupted(let decoding)? = error.underlyingError as? DecodingError, decoding.codingPath.isEmpty else {
                throw error
            }
            guard body.readableBytes > 0 else { throw ProblemDetails.badRequest("the request body is empty; expected a JSON object") }
            let data = Data(body.readableBytesView)
            guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil else { throw error }
            throw ProblemDetails.badRequest(
                "the request body is not valid JSON: \(RequestBodyDecoder.syntaxError(in: data))", type: "/problems/malformed-json")
        }
    }

    /// Whether requests with this method have a body the API reads.
    static func carriesBody(_ method: HTTPRequest.Method) -> Bool {
        method == .post || method == .put || method == .patch
    }
}
