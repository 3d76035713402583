import Foundation
import JunctionHTTP
import JunctionStore
import Prometheus
import Synchronization

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

    /// What became of inbound webhooks, one counter per outcome, made once: these are counted on the ingest path,
    /// where looking a counter up in the registry per request showed in profiles.
    private let inboundWebhookCounters: [InboundWebhookOutcome: Counter]
    /// Requests per inbox flush: the histogram's count is the number of commits and its sum the requests they
    /// answered (duplicates included, which were checked in the same statement).
    private let inboxBatchSizes: ValueHistogram

    /// What a request is counted under: its endpoint as the router names it (`NotFound` when no route matched; `nil`
    /// when nothing named one), its method and its status.
    private struct RequestKey: Hashable {
        let routerPath: String?
        let method: String
        let status: Int
    }

    /// The instruments one ``RequestKey`` records into.
    private struct RequestInstruments {
        let requests: Counter
        let duration: DurationHistogram
    }

    /// Each request's instruments, kept after the first: looking them up in the registry built the labels, the
    /// metric names and the OpenAPI route again for every request, about a tenth of the CPU of answering
    /// `/health/live`.
    private let requestInstruments = Mutex<[RequestKey: RequestInstruments]>([:])
    /// The health gauges published per connection, so a deleted connection's are taken down.
    private let healthGauges = Mutex<[String: [Gauge]]>([:])
    /// Route templates, methods and statuses are few, but a client choosing odd methods must not grow the cache.
    static let maximumRequestKeys = 4096

    /// Metrics over `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var counters: [InboundWebhookOutcome: Counter] = [:]
        for outcome in InboundWebhookOutcome.allCases {
            counters[outcome] = registry.makeCounter(descriptor: Self.inboundWebhooks, labels: [("outcome", outcome.rawValue)])
        }
        self.inboundWebhookCounters = counters
        self.inboxBatchSizes = registry.makeValueHistogram(descriptor: Self.inboxBatchSize, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
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

    static var inboxBatchSize: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "inbox_batch_size", unitName: "events",
            helpText: "Inbound webhooks (duplicates included) per inbox transaction (group commit): sum / count is the mean batch."
        )
    }

    /// Counts an inbound webhook by what became of it.
    func recordInboundWebhook(_ outcome: InboundWebhookOutcome) {
        inboundWebhookCounters[outcome]?.increment()
    }

    /// Records how many requests one inbox commit answered.
    func recordInboxFlush(events: Int) {
        inboxBatchSizes.record(Double(events))
    }

    /// Publishes every upstream host's circuit breaker state.
    func refreshCircuitGauges(from states: [String: CircuitBreakerStateMachine.State]) {
        for (host, state) in states {
            registry.makeGauge(descriptor: Self.circuitState, labels: [("host", host)]).set(state.gaugeValue)
        }
    }

    /// Counts a finished request and records its latency, by route template, method and status.
    func recordRequest(routerPath: String?, method: String, status: Int, duration: Duration) {
        let key = RequestKey(routerPath: routerPath, method: method, status: status)
        let instruments = requestInstruments.withLock { $0[key] } ?? makeRequestInstruments(key)
        instruments.requests.increment()
        instruments.duration.record(duration)
    }

    /// Looks a request's instruments up in the registry (which makes them the first time) and keeps them, up to
    /// `maximumRequestKeys` combinations; a label set past that is still recorded, through the registry each time.
    private func makeRequestInstruments(_ key: RequestKey) -> RequestInstruments {
        let route = key.routerPath.map(OpenAPIPath.from(routerPath:)) ?? "unmatched"
        let instruments = RequestInstruments(
            requests: registry.makeCounter(
                descriptor: Self.requestsTotal, labels: [("route", route), ("method", key.method), ("status", String(key.status))]),
            duration: registry.makeDurationHistogram(
                descriptor: Self.requestDuration, labels: [("route", route), ("method", key.method)], buckets: Self.latencyBuckets)
        )
        requestInstruments.withLock { cache in
            if cache.count < Self.maximumRequestKeys { cache[key] = instruments }
        }
        return instruments
    }

    static var connectionHealth: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "connection_health", unitName: "",
            helpText: "1 for the connection's current health state (healthy, degraded, down, needs_reauth, paused), 0 for the others."
        )
    }
    static var connectionsByHealth: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "junction", metricName: "connections_by_health", unitName: "",
            helpText: "Connections per provider and health state."
        )
    }

    /// Publishes every connection's health state (one series per state, 1 for the current one) and the count per
    /// provider and state; the series of connections gone are removed.
    func refreshHealthGauges(from states: [(connectionID: String, provider: String, state: HealthState)]) {
        var perProvider: [String: [HealthState: Int]] = [:]
        var published: [String: [Gauge]] = [:]
        for entry in states {
            perProvider[entry.provider, default: [:]][entry.state, default: 0] += 1
            published[entry.connectionID] = HealthState.allCases.map { state in
                let gauge = registry.makeGauge(
                    descriptor: Self.connectionHealth,
                    labels: [("connection", entry.connectionID), ("provider", entry.provider), ("state", state.rawValue)])
                gauge.set(Double(state == entry.state ? 1 : 0))
                return gauge
            }
        }
        for (provider, counts) in perProvider {
            for state in HealthState.allCases {
                registry.makeGauge(descriptor: Self.connectionsByHealth, labels: [("provider", provider), ("state", state.rawValue)])
                    .set(Double(counts[state] ?? 0))
            }
        }
        let gone = healthGauges.withLock { known in
            defer { known = published }
            return known.filter { published[$0.key] == nil }.flatMap(\.value)
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
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

/// What became of an inbound webhook, as the `outcome` label of `junction_webhooks_inbound_total`.
enum InboundWebhookOutcome: String, CaseIterable, Sendable {
    /// Verified and committed to the inbox.
    case stored
    /// Verified, but the connection already had an event with this id: acknowledged, stored once.
    case duplicate
    /// Failed verification.
    case rejected
    /// Refused by the source address's or the connection's rate limit.
    case rateLimited = "rate_limited"
    /// Addressed to no connection.
    case unknownConnection = "unknown_connection"
}
