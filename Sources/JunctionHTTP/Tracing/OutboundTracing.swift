import AsyncHTTPClient
import Instrumentation
import NIOHTTP1
import Tracing

/// Client spans and W3C `traceparent` headers for Junction's outbound HTTP: provider calls and webhook deliveries.
///
/// AsyncHTTPClient can trace by itself, but it records the full URL with its query, where providers take API keys
/// (`?key=`) and receivers take tokens; so its tracer is switched off (``disableBuiltInTracing(_:)``) and callers
/// record only what their logs may show.
public enum OutboundTracing {
    /// Turns off AsyncHTTPClient's own spans, which would record secrets in query strings and double every span.
    public static func disableBuiltInTracing(_ configuration: inout HTTPClient.Configuration) {
        configuration.tracing.tracer = nil
    }

    /// Runs `body` (one HTTP exchange) in a client span named after the method, as OpenTelemetry's HTTP conventions
    /// name them. Callers set further attributes only when `span.isRecording`: computing them costs, tracing on or off.
    public static func withClientSpan<Result>(method: String, _ body: (any Span) async throws -> Result) async rethrows -> Result {
        try await withSpan(method, ofKind: .client) { span in
            if span.isRecording { span.attributes["http.request.method"] = method }
            return try await body(span)
        }
    }

    /// Records a response's status on the current span, marking 4xx and 5xx as errors as the conventions ask of clients.
    public static func record(status: Int, on span: any Span) {
        span.attributes["http.response.status_code"] = status
        if status >= 400 { span.setStatus(SpanStatus(code: .error)) }
    }

    /// Adds the current span's propagation headers (`traceparent`, `tracestate`), replacing any the request had, so
    /// the receiver's spans join Junction's trace. Nothing is added outside a span or with tracing off.
    public static func inject(into headers: inout HTTPHeaders) {
        guard let context = ServiceContext.current else { return }
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HTTPHeadersInjector())
    }
}

/// Writes propagation headers into NIO's header list.
struct HTTPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
