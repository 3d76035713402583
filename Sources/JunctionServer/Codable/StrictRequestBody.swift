import Foundation
import Hummingbird
import JunctionCore

/// A JSON request body whose top-level members are fixed: any other member is refused with a 400 naming it,
/// so a misspelt field (`"settngs"`) is an error instead of silently ignored.
protocol StrictRequestBody: Decodable, Sendable {
    /// The members the body may have.
    static var fieldNames: Set<String> { get }
}

/// Reads JSON request bodies with errors a client can act on: which byte is malformed, which field is
/// unknown, which field has the wrong type.
enum RequestBodyDecoder {
    static func decode<Body: StrictRequestBody>(
        _ type: Body.Type,
        from request: Request,
        context: some RequestContext
    ) async throws -> (body: Body, raw: [String: JSONValue]) {
        let (members, data) = try await object(from: request, context: context)
        let unknown = members.keys.filter { !Body.fieldNames.contains($0) }.sorted()
        guard unknown.isEmpty else {
            let plural = unknown.count == 1 ? "field" : "fields"
            throw ProblemDetails.badRequest(
                "unknown \(plural) \(unknown.map { "'\($0)'" }.joined(separator: ", ")); accepted fields are \(Body.fieldNames.sorted().joined(separator: ", "))",
                type: "/problems/unknown-fields",
                extensions: ["unknownFields": .array(unknown.map(JSONValue.string))]
            )
        }
        do {
            return (try JSONDecoder().decode(Body.self, from: data), members)
        } catch {
            throw ProblemDetails.badRequest(Self.describe(error), type: "/problems/invalid-field")
        }
    }

    /// The body as a JSON object (with its bytes), or a 415/400 problem saying what is wrong with it.
    static func object(from request: Request, context: some RequestContext) async throws -> ([String: JSONValue], Data) {
        if let contentType = request.headers[.contentType], !Self.isJSON(contentType) {
            throw ProblemDetails(
                status: .unsupportedMediaType,
                type: "/problems/unsupported-media-type",
                title: "Unsupported media type",
                detail: "the request body must be JSON (Content-Type: application/json), not '\(contentType)'"
            )
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw ProblemDetails.badRequest("the request body is empty; expected a JSON object") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ProblemDetails.badRequest(
                "the request body is not valid JSON: \(Self.syntaxError(in: data))", type: "/problems/malformed-json")
        }
        guard case .object(let members) = value else {
            throw ProblemDetails.badRequest(
                "the request body must be a JSON object, not \(value.typeName == "array" ? "an" : "a") \(value.typeName)")
        }
        return (members, data)
    }

    /// Where JSON text is malformed. JSONDecoder only says that it is; JSONSerialization says where,
    /// so it is asked again on this (already failing, so not hot) path.
    static func syntaxError(in data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return "the document is not a single JSON value"
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String
            return (detail ?? "the data is not in the correct format").replacingOccurrences(of: "character", with: "byte offset")
        }
    }

    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || mediaType.hasSuffix("+json")
    }

    /// A one-line, client-facing description of a decoding failure.
    static func describe(_ error: any Error) -> String { DecodingErrorDescription.describe(error) }
}
