import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import NIOCore

/// An RFC 9457 problem: the body of every error response, as `application/problem+json`.
public struct ProblemDetails: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A URI naming the kind of problem; relative, resolvable against the docs.
    public var type: String
    /// A short, stable summary of the kind of problem.
    public var title: String
    /// What went wrong in this request, written for the developer reading it.
    public var detail: String
    /// Extra members, e.g. the fields that failed or the accepted values.
    public var extensions: [String: JSONValue]
    /// Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`.
    public var headers: HTTPFields

    /// A problem.
    public init(
        status: HTTPResponse.Status,
        type: String,
        title: String,
        detail: String,
        extensions: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    /// The response body's members.
    public var body: JSONValue {
        var members = extensions
        members["type"] = .string(type)
        members["title"] = .string(title)
        members["status"] = .number(Double(status.code))
        members["detail"] = .string(detail)
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let text = (try? body.serialized()) ?? #"{"title":"error"}"#
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension ProblemDetails {
    /// 400: the request is malformed or fails validation.
    public static func badRequest(_ detail: String, type: String = "/problems/invalid-request", extensions: [String: JSONValue] = [:])
        -> ProblemDetails
    {
        ProblemDetails(status: .badRequest, type: type, title: "Invalid request", detail: detail, extensions: extensions)
    }

    /// 404: no such resource.
    public static func notFound(_ detail: String) -> ProblemDetails {
        ProblemDetails(status: .notFound, type: "/problems/not-found", title: "Not found", detail: detail)
    }

    /// 401: missing or wrong credentials.
    public static func unauthorized(_ detail: String) -> ProblemDetails {
        ProblemDetails(
            status: .unauthorized,
            type: "/problems/unauthorized",
            title: "Unauthorized",
            detail: detail,
            headers: [.wwwAuthenticate: #"Bearer realm="junction""#]
        )
    }
}
