import Foundation
import Instrumentation
import Tracing

/// The propagation headers of a span (W3C `traceparent`, `tracestate`), kept with work that outlives the task that
/// started it: a job runs after its enqueuing request has answered, often on another node, and an inbox event is
/// processed after its sender has its 2xx. Storing the headers, not the span, is what lets that later work join the
/// same trace as a child of the span that caused it.
///
/// When no tracer is bootstrapped the instrument injects nothing, so ``current`` is `nil` and nothing is stored.
public struct TraceContext: Sendable, Hashable {
    /// The header fields, lowercase names to values, as the process's instrument injected them.
    public let fields: [String: String]

    /// Headers as read back from storage or a request; `nil` when there are none.
    public init?(fields: [String: String]) {
        guard !fields.isEmpty else { return nil }
        self.fields = fields
    }

    /// The context of the span the calling task is in, or `nil` outside any span (or with tracing off).
    public static var current: TraceContext? {
        guard let context = ServiceContext.current else { return nil }
        var fields: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &fields, using: DictionaryInjector())
        return TraceContext(fields: fields)
    }

    /// A service context whose parent span is the one these headers name, for starting the later work's span.
    public var serviceContext: ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(fields, into: &context, using: DictionaryExtractor())
        return context
    }

    /// The headers as one JSON object, as the store keeps them.
    public var serialized: String {
        JSONValue.serialized(stringMembers: fields.sorted { $0.key < $1.key })
    }

    /// Headers read back from ``serialized`` text; `nil` for no text or text that is not such an object (a trace is
    /// diagnostics: a damaged one is dropped, never an error for the work it came with).
    public init?(serialized text: String?) {
        guard let text, case .object(let members)? = try? JSONValue.parse(text) else { return nil }
        self.init(fields: members.compactMapValues(\.stringValue))
    }

    /// The trace id, for showing next to the work (logs, the events API); `nil` if the headers are not W3C's.
    public var traceID: String? {
        guard let parent = fields["traceparent"] else { return nil }
        let parts = parent.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32 else { return nil }
        return String(parts[1])
    }
}

/// Writes a context's headers into a dictionary.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }
}

/// Reads a context's headers from a dictionary.
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}
