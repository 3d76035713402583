import AsyncHTTPClient
import Foundation
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionStore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Tracing

/// The job handler behind `webhook.deliver`: one signed POST of a message to an endpoint, its attempt recorded, and
/// what follows (retry, dead letter, the endpoint disabled, the next ordered delivery released) as
/// ``DeliveryStateMachine`` decides.
///
/// Redirects are not followed: a 3xx could point at an address the SSRF guard refuses.
///
/// For an ordered endpoint only the oldest pending delivery is sent; the others are postponed (without using an
/// attempt) until it has succeeded or failed for good, and the next one is made due as soon as it has.
public final class WebhookDeliverer: JobHandler {
    /// How deliveries are made.
    public struct Configuration: Sendable {
        /// Longest wait for a response, from connect to the last byte of the head.
        public var timeout: Duration = .seconds(15)
        /// When an endpoint is disabled for failing, and the longest `Retry-After` honoured.
        public var limits = DeliveryStateMachine.Limits()

        /// The defaults: 15 s timeout, disabled after five days.
        public init() {}
    }

    private let deliveries: DeliveryRepository
    private let queue: JobQueue
    private let endpoints: EndpointRepository
    private let secretsStore: VaultSecretRepository
    private let vault: CredentialVault
    private let addressPolicy: EndpointAddressPolicy
    private let configuration: Configuration
    /// What each attempt leads to.
    private let machine: DeliveryStateMachine
    private let rateLimiter = RateLimiter()
    private let secretCache = Mutex<[String: (version: Int, secrets: EndpointSecrets)]>([:])
    private let logger: Logger
    /// Attempts are recorded with group commit: concurrent deliveries share one transaction.
    private let attemptWrites: GroupCommit<DeliveryRepository.AttemptWrite, Date?>
    /// Contexts are read the same way: concurrent deliveries share one `SELECT … WHERE id IN (…)`.
    private let contextReads: GroupCommit<String, DeliveryRepository.DeliveryContext?>

    /// A deliverer.
    public init(
        database: Database,
        queue: JobQueue,
        vault: CredentialVault,
        addressPolicy: EndpointAddressPolicy,
        configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.deliveries = DeliveryRepository(database: database, queue: queue)
        self.queue = queue
        self.endpoints = EndpointRepository(database: database)
        self.secretsStore = VaultSecretRepository(database: database)
        self.vault = vault
        self.addressPolicy = addressPolicy
        self.configuration = configuration
        self.machine = DeliveryStateMachine(limits: configuration.limits)
        self.logger = logger
        let deliveries = self.deliveries
        self.attemptWrites = GroupCommit(maxBatch: 128, executor: database.executor) { writes in try await deliveries.record(writes) }
        self.contextReads = GroupCommit(maxBatch: 128, executor: database.executor) { ids in
            let found = try await deliveries.contexts(ofDeliveries: ids)
            return ids.map { found[$0] }
        }
    }

    /// The client every deliverer shares: no redirects, a connect timeout, up to 64 connections per endpoint host.
    /// Like `HTTPClient.shared` it lives as long as the process and is never shut down, so nothing has to remember to.
    static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(15))
        )
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        OutboundTracing.disableBuiltInTracing(&configuration)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public func handle(_ job: LeasedJob) async throws {
        guard let id = job.payload["deliveryId"]?.stringValue else { throw JobError.permanent(reason: "the job has no deliveryId") }
        guard let context = try await contextReads.submit(id) else { return }  // its endpoint deleted
        let endpoint = context.endpoint
        var head: (id: String, dueIn: Duration?)? = nil
        if endpoint.ordered, context.delivery.status == .pending, endpoint.status == .enabled,
            let oldest = try await deliveries.head(ofEndpoint: endpoint.id)
        {
            head = (oldest.id, oldest.nextAttemptAt.map { Duration.milliseconds(Int64($0.timeIntervalSinceNow * 1000)) })
        }
        switch machine.admit(
            deliveryID: id, delivery: context.delivery.status, endpoint: endpoint.status, disabledReason: endpoint.disabledReason,
            head: head)
        {
        case .skip:
            return
        case .fail(let reason):
            try await deliveries.fail(deliveryID: id, reason: reason)
            try await releaseNext(after: endpoint)
            return
        case .waitBehind(let headID, let recheckAfter):
            throw JobError.postpone(after: recheckAfter, reason: "waiting behind \(headID)")
        case .hold(let recheckAfter):
            throw JobError.postpone(after: recheckAfter, reason: "the endpoint is paused")
        case .send:
            break
        }
        let url: URL
        do {
            // Where it leads is checked again (DNS can be re-pointed); its form was checked when it was saved.
            url = try await addressPolicy.check(endpoint.url, documentedForm: false)
        } catch {
            try await deliveries.fail(deliveryID: id, reason: error.description)
            logger.warning("delivery refused by the SSRF guard", metadata: ["endpoint": "\(endpoint.id)", "reason": "\(error)"])
            try await releaseNext(after: endpoint)
            return
        }
        if let limit = endpoint.rateLimit {
            let wait = rateLimiter.reserve(key: endpoint.id, requestsPerSecond: Double(limit), burst: limit)
            if wait > .seconds(10) { throw JobError.retry(after: wait, reason: "the endpoint's rate limit of \(limit)/s") }
            if wait > .zero { try await Task.sleep(for: wait) }
        }
        let secrets = try await signingSecrets(of: endpoint)
        let outcome = await send(context.message, to: url, secrets: secrets, delivery: id, endpoint: endpoint.id)
        let now = Date()
        var attempt = DeliveryAttemptRecord(
            id: ResourceID.make(prefix: DeliveryAttemptRecord.idPrefix, at: now),
            deliveryID: id,
            messageID: context.message.id,
            endpointID: endpoint.id,
            attempt: context.delivery.attempts + 1,
            statusCode: outcome.statusCode,
            error: outcome.error,
            latency: outcome.latency,
            responseExcerpt: outcome.excerpt,
            createdAt: now
        )
        var generator = SystemRandomNumberGenerator()
        let result: DeliveryStateMachine.AttemptResult =
            outcome.statusCode.map { .answered(status: $0, retryAfter: outcome.retryAfter) } ?? .unreachable(error: outcome.error ?? "")
        let verdict = machine.verdict(
            on: result, scheduledDelay: endpoint.schedule.delay(afterAttempt: job.attempt, using: &generator), now: now)
        if case .gone = verdict { attempt.error = "the endpoint answered 410 Gone; it is now disabled" }
        var next: Date? = nil
        if case .retry(let delay) = verdict { next = now.addingTimeInterval(Double(delay.milliseconds) / 1000) }
        let failingSince = try await attemptWrites.submit(
            .init(
                attempt: attempt, result: .init(deliveryStatus: verdict.status, nextAttemptAt: next),
                endpointWasFailing: endpoint.failingSince != nil)
        )
        if case .gone(let reason) = verdict { await disable(endpoint, reason: reason) }
        switch machine.followUp(after: verdict, failingSince: failingSince, now: now) {
        case .none:
            break
        case .disableEndpoint(let reason):
            await disable(endpoint, reason: reason)
        case .failAndDisable(let deliveryReason, let endpointReason):
            try await deliveries.fail(deliveryID: id, reason: deliveryReason)
            await disable(endpoint, reason: endpointReason)
            try await releaseNext(after: endpoint)
            return
        }
        guard case .retry(let delay) = verdict else {
            try await releaseNext(after: endpoint)
            return
        }
        throw JobError.retry(after: delay, reason: outcome.error ?? "HTTP \(outcome.statusCode ?? 0)")
    }

    /// On an ordered endpoint, makes the next pending delivery due now that the one ahead of it is settled.
    private func releaseNext(after endpoint: EndpointRecord) async throws {
        guard endpoint.ordered, let next = try await deliveries.head(ofEndpoint: endpoint.id) else { return }
        try await queue.makeDue(kind: MessageDispatcher.deliverJobKind, uniqueKey: next.id)
    }

    private func disable(_ endpoint: EndpointRecord, reason: String) async {
        do {
            guard try await endpoints.disable(id: endpoint.id, reason: reason) else { return }
            logger.warning("endpoint disabled", metadata: ["endpoint": "\(endpoint.id)", "reason": "\(reason)"])
        } catch {
            logger.error("could not disable an endpoint", metadata: ["endpoint": "\(endpoint.id)", "error": "\(error)"])
        }
    }

    /// The endpoint's signing secrets, opened from the vault once per secret version.
    private func signingSecrets(of endpoint: EndpointRecord) async throws -> [String] {
        if let cached = secretCache.withLock({ $0[endpoint.id] }), cached.version == endpoint.secretVersion {
            return cached.secrets.signing(at: Date())
        }
        let opened = try await vault.credentials(of: endpoint.id, in: secretsStore)
        guard let secrets = EndpointSecrets(credentials: opened) else {
            throw JobError.permanent(reason: "the endpoint has no signing secret")
        }
        secretCache.withLock { $0[endpoint.id] = (endpoint.secretVersion, secrets) }
        return secrets.signing(at: Date())
    }

    private struct Outcome {
        var statusCode: Int?
        var error: String?
        var latency: Duration
        var excerpt: String?
        var retryAfter: Duration?
    }

    /// One attempt, in a client span that records the endpoint's host but never its path or query: a receiver's URL is
    /// often its secret (Slack's and Discord's incoming webhooks are).
    private func send(_ message: MessageRecord, to url: URL, secrets: [String], delivery: String, endpoint: String) async -> Outcome {
        await OutboundTracing.withClientSpan(method: "POST") { span in
            if span.isRecording {
                span.attributes["server.address"] = url.host
                span.attributes["server.port"] = url.port
                span.attributes["junction.delivery.id"] = delivery
                span.attributes["junction.endpoint.id"] = endpoint
                span.attributes["junction.message.id"] = message.id
            }
            let outcome = await send(message, to: url, secrets: secrets)
            if let status = outcome.statusCode { OutboundTracing.record(status: status, on: span) }
            if let error = outcome.error, outcome.statusCode == nil {
                span.setStatus(SpanStatus(code: .error, message: error))
            }
            return outcome
        }
    }

    private func send(_ message: MessageRecord, to url: URL, secrets: [String]) async -> Outcome {
        let timestamp = Int64(Date().timeIntervalSince1970)
        let body = Array(message.payload.utf8)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Junction-Webhooks/1")
        request.headers.add(name: "webhook-id", value: message.id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature",
            value: StandardWebhookSigner.signature(id: message.id, timestamp: timestamp, body: body, secrets: secrets)
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        OutboundTracing.inject(into: &request.headers)
        let started = ContinuousClock.now
        do {
            let response = try await Self.sharedHTTPClient.execute(request, timeout: .seconds(configuration.timeout.components.seconds))
            let latency = ContinuousClock.now - started
            var excerpt = ByteBuffer()
            for try await chunk in response.body {
                excerpt.writeImmutableBuffer(
                    chunk.getSlice(at: chunk.readerIndex, length: min(chunk.readableBytes, 1024 - excerpt.readableBytes)) ?? chunk)
                if excerpt.readableBytes >= 1024 { break }
            }
            let retryAfter = RetryAfter.delay(from: response.headers.first(name: "Retry-After"))
            return Outcome(
                statusCode: Int(response.status.code),
                error: (200..<300).contains(Int(response.status.code)) ? nil : "HTTP \(response.status.code)",
                latency: latency,
                excerpt: excerpt.readableBytes > 0 ? String(decoding: excerpt.readableBytesView, as: UTF8.self) : nil,
                retryAfter: retryAfter
            )
        } catch {
            return Outcome(
                statusCode: nil, error: Self.describe(error), latency: ContinuousClock.now - started, excerpt: nil, retryAfter: nil)
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            "the endpoint did not answer within the delivery timeout"
        case let error as HTTPClientError where error == .connectTimeout:
            "could not connect to the endpoint in time"
        default:
            "could not reach the endpoint: \(error)"
        }
    }
}
