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
            guard let location = Self.syntaxError(in: Data(body.readableBytesView)) else { throw error }
            throw ProblemDetails.badRequest("the request body is not valid JSON: \(location)", type: "/problems/malformed-json")
        }
    }

    /// Where JSON text is malformed, or `nil` when it is not. JSONDecoder only says that it is; JSONSerialization says
    /// where, so it is asked again on this (already failing, so not hot) path.
    static func syntaxError(in data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String
            return (detail ?? "the data is not in the correct format").replacingOccurrences(of: "character", with: "byte offset")
        }
    }

    /// Whether requests with this method have a body the API reads.
    static func carriesBody(_ method: HTTPRequest.Method) -> Bool {
        method == .post || method == .put || method == .patch
    }
}
