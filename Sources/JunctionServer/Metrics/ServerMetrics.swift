import Foundation
import JunctionHTTP
import JunctionStore
import Prometheus

/// The server's Prometheus registry and the instruments it records into. One registry per application
/// (rather than a process-global bootstrap) keeps tests that start several servers independent.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    /// Latency buckets for request durations, from 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// Metrics over `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static var requestsTotal: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "http_requests", unitName: "total",
            helpText: "HTTP requests answered, by route template, method and status."
        )
    }
    static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "http_request_duration", unitName: "seconds",
            helpText: "Time from request head to response head, by route template and method."
        )
    }
    static var jobs: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "jobs", unitName: "",
            helpText: "Jobs in the queue, by kind and status (queued, running, dead)."
        )
    }
    static var oldestReadyJobAge: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "jobs_oldest_ready_age", unitName: "seconds",
            helpText: "How long the oldest due, unleased job of each kind has waited."
        )
    }

    static var circuitState: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "circuit_breaker_state", unitName: "",
            helpText: "Circuit breaker state per upstream host: 0 closed, 1 open, 2 half-open."
        )
    }

    static var inboundWebhooks: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "webhooks_inbound", unitName: "total",
            helpText: "Inbound webhooks by outcome: stored, duplicate, rejected (failed verification), rate_limited, unknown_connection."
        )
    }

    /// Counts an inbound webhook by what became of it.
    func recordInboundWebhook(outcome: String) {
        registry.makeCounter(descriptor: Self.inboundWebhooks, labels: [("outcome", outcome)]).increment()
    }

    /// Publishes every upstream host's circuit breaker state.
    func refreshCircuitGauges(from states: [String: CircuitBreakerStateMachine.State]) {
        for (host, state) in states {
            registry.makeGauge(descriptor: Self.circuitState, labels: [("host", host)]).set(state.gaugeValue)
        }
    }

    /// Counts a finished request and records its latency, by route template, method and status.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: Self.requestsTotal, labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.requestDuration,
            labels: [("route", route), ("method", method)],
            buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Refreshes the job queue gauges from the store, just before a scrape renders them.
    func refreshQueueGauges(from statistics: [JobKindStatistics]) {
        for entry in statistics {
            for (status, count) in [("queued", entry.queued), ("running", entry.running), ("dead", entry.dead)] {
                registry.makeGauge(descriptor: Self.jobs, labels: [("kind", entry.kind), ("status", status)]).set(Double(count))
            }
            let age = Double(entry.oldestReadyAge.components.seconds) + Double(entry.oldestReadyAge.components.attoseconds) / 1e18
            registry.makeGauge(descriptor: Self.oldestReadyJobAge, labels: [("kind", entry.kind)]).set(age)
        }
    }
}
