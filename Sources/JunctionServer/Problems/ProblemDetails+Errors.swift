import Foundation
import HTTPTypes
import JunctionApp
import JunctionCore
import OpenAPIRuntime

extension ProblemDetails {
    /// The problem an application error becomes: its kind decides the status, its code the type.
    init(_ error: ApplicationError) {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .invalidInput: .badRequest
            case .notFound: .notFound
            case .conflict: .conflict
            case .notSupported: .methodNotAllowed
            case .unprocessable: .unprocessableContent
            }
        self.init(status: status, type: "/problems/\(error.code)", title: error.title, detail: error.detail, extensions: error.details)
    }

    /// The problem a generated handler's failure becomes, or `nil` when it is not the client's (a 500, logged).
    ///
    /// Reading the request fails with a `DecodingError` (a field of the wrong type, one the schema does not allow, malformed
    /// JSON) or with the runtime's own error, which names the status (415 for another content type, 400 for a missing
    /// body); handlers fail with an ``ApplicationError``.
    init?(_ error: ServerError) {
        if let problem = ProblemDetails(domain: error.underlyingError) {
            self = problem
            return
        }
        switch error.underlyingError {
        case let decoding as DecodingError:
            self.init(decoding: decoding, inBody: RequestBodyMiddleware<JunctionRequestContext>.carriesBody(error.request.method))
        default:
            guard (400..<500).contains(error.httpStatus.code) else { return nil }
            let detail = error.causeDescription.isEmpty ? error.httpStatus.reasonPhrase : Self.sentence(error.causeDescription)
            switch error.httpStatus {
            case .unsupportedMediaType:
                self.init(
                    status: .unsupportedMediaType, type: "/problems/unsupported-media-type", title: "Unsupported media type",
                    detail: "the request body must be JSON (Content-Type: application/json): \(detail)")
            default:
                self = .badRequest(detail)
            }
        }
    }

    /// A request the generated types could not read: its body (`inBody`), or a query or path parameter the schema does
    /// not allow (a value outside an enum, a malformed date-time), for which the decoder has no path.
    init(decoding error: DecodingError, inBody: Bool) {
        switch error {
        case .dataCorrupted(let context) where context.debugDescription.hasPrefix("Additional properties are disabled"):
            // The runtime names the first unknown member (in sorted order) as the last key of the path.
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
            self.init(ApplicationError.unknownFields([path], accepted: "the API's description (/openapi.json) lists the accepted fields"))
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // A body that is not JSON at all was named by RequestBodyMiddleware, which has its bytes.
            self = .badRequest(
                "\(inBody ? "the request body" : "a query or path parameter") is not valid: \(Self.sentence(context.debugDescription))",
                type: inBody ? "/problems/invalid-field" : "/problems/invalid-parameter")
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            let expected = DecodingErrorDescription.describe(type: type)
            // The decoder says what it found ("… but found an array instead."), which the client wants to hear.
            let found =
                context.debugDescription.range(of: "found ").map { context.debugDescription[$0.upperBound...] }
                .map { ", not " + $0.replacingOccurrences(of: " instead.", with: "") } ?? ""
            self = .badRequest(
                inBody
                    ? "the request body must be a JSON \(expected.split(separator: " ").last ?? "value")\(found)"
                    : "a query or path parameter must be \(expected)",
                type: inBody ? "/problems/invalid-field" : "/problems/invalid-parameter")
        default:
            self = .badRequest(DecodingErrorDescription.describe(error), type: "/problems/invalid-field")
        }
    }

    /// The runtime's descriptions start in capitals and end in full stops; problem details are lower-case clauses.
    private static func sentence(_ text: String) -> String {
        var text = text
        if text.hasSuffix(".") { text.removeLast() }
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
