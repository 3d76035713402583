import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Starts exporting spans over OTLP when OpenTelemetry's own environment variables ask for it: an endpoint in
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and neither `OTEL_SDK_DISABLED=true` nor
/// `OTEL_TRACES_EXPORTER=none`. Every other `OTEL_*` variable (service name, sampler, headers, batch delays,
/// `http/json`) is read by swift-otel as the specification says. Without an endpoint no tracer is installed and
/// spans cost next to nothing.
enum TracingBootstrap {
    /// Whether the environment asks for traces to be exported.
    static func isRequested(_ environment: [String: String]) -> Bool {
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        if environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "none" { return false }
        return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains { !(environment[$0] ?? "").isEmpty }
    }

    /// Why a standard variable names something this build cannot do, or `nil`. swift-otel stops the process on a
    /// protocol its build lacks (gRPC here), a propagator other than W3C Trace Context, or a Jaeger or X-Ray sampler;
    /// checked first, that is one readable line instead.
    static func unsupportedSetting(in environment: [String: String]) -> String? {
        let requestedProtocol = environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? environment["OTEL_EXPORTER_OTLP_PROTOCOL"]
        if let requestedProtocol, !["http/protobuf", "http/json"].contains(requestedProtocol) {
            return "OTEL_EXPORTER_OTLP_PROTOCOL '\(requestedProtocol)' is not supported: this build exports over OTLP/HTTP, "
                + "'http/protobuf' (the default) or 'http/json'"
        }
        let propagators = (environment["OTEL_PROPAGATORS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let other = propagators.first(where: { !["", "tracecontext", "none"].contains($0) }) {
            return "OTEL_PROPAGATORS '\(other)' is not supported: Junction propagates W3C Trace Context ('tracecontext') only"
        }
        if let sampler = environment["OTEL_TRACES_SAMPLER"], ["jaeger_remote", "parentbased_jaeger_remote", "xray"].contains(sampler) {
            return "OTEL_TRACES_SAMPLER '\(sampler)' is not supported: use always_on, always_off, traceidratio or a parentbased_ one"
        }
        return nil
    }

    /// Installs the process's tracer when asked to, and returns the exporter's service (batching, export, flushing
    /// on shutdown), which must run for as long as spans are made; `nil` when tracing is off.
    static func start(logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (any Service)? {
        guard isRequested(environment) else { return nil }
        if let problem = unsupportedSetting(in: environment) { throw CLIError(problem) }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "junction"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            logger.info("exporting traces over OTLP", metadata: ["service": "\(environment["OTEL_SERVICE_NAME"] ?? "junction")"])
            return backend.service
        } catch {
            throw CLIError(
                "tracing could not start: \(error). Check the OTEL_* variables: this build exports over OTLP/HTTP (http/protobuf or http/json)")
        }
    }
}
