import HTTPTypes
import Hummingbird
import Instrumentation
import Tracing

/// Opens a server span for every request, continuing the caller's trace when it sent W3C `traceparent`; the
/// handler's work (the jobs it enqueues, the provider calls it makes) becomes children of it.
///
/// Hummingbird's `TracingMiddleware` records query strings, whose values here include OAuth authorization codes and
/// states; this one records the method, the route template, the path, the request id and the status, and never a
/// query or a header. Outermost, so the status it records is the one sent, problem responses included.
struct RequestTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let span = startSpan(request.method.rawValue, context: parent, ofKind: .server)
        if span.isRecording {
            span.attributes["http.request.method"] = request.method.rawValue
            span.attributes["url.path"] = request.uri.path
        }
        do {
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            if span.isRecording {
                if let route = context.endpointPath {
                    span.operationName = request.method.rawValue + " " + route
                    span.attributes["http.route"] = route
                }
                span.attributes["junction.request_id"] = response.headers[RequestIDMiddleware<Context>.header]
                span.attributes["http.response.status_code"] = Int(response.status.code)
                if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            }
            // Ends when the response is ready; a streamed body (the proxy's) is written after it.
            span.end()
            return response
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
    }
}

/// Reads propagation headers from a request.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}
