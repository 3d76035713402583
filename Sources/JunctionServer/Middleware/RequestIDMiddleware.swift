import HTTPTypes
import Hummingbird
import Logging

/// Gives every response an `X-Request-Id`, the id its log lines carry: the caller's own when it sent a usable one
/// (1 to 128 letters, digits, `.`, `_`, `:` or `-`; added to the request's log metadata as `request.id`), else the
/// server's (`hb.request.id`). Runs first, so problem responses carry it too.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id: String
        if let sent = request.headers[Self.header], Self.isUsable(sent) {
            id = sent
            context.logger[metadataKey: "request.id"] = .string(sent)
        } else {
            id = context.id
        }
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    static func isUsable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || ".:_-".utf8.contains(byte)
            }
    }
}
