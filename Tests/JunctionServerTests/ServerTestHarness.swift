import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionApp
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import Logging
import NIOCore

/// Builds a Junction application over a fresh test database and drives it in process.
struct ServerTestHarness: Sendable {
    static let adminToken = "jct_test_admin_token"
    static let authorized: HTTPFields = [.authorization: "Bearer \(adminToken)", .contentType: "application/json"]

    let database: Database
    let services: JunctionServices
    let test: TestDatabase

    static func with(
        _ engine: TestEngine,
        migrate: Bool = true,
        allowPrivateEndpoints: Bool = false,
        catalog: ProviderCatalog = .builtIn,
        syncConfiguration: SyncRunner.Configuration = .init(),
        logger: Logger = TestDatabase.logger,
        _ body: @escaping @Sendable (ServerTestHarness, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestDatabase.with(engine, migrate: migrate) { database, test in
            let services = JunctionServices(
                database: database,
                queue: JobQueue(database: database),
                vault: CredentialVault(keyring: MasterKeyring(current: .generate())),
                adminToken: AdminToken(token: adminToken),
                catalog: catalog,
                allowPrivateEndpoints: allowPrivateEndpoints,
                syncConfiguration: syncConfiguration
            )
            let harness = ServerTestHarness(database: database, services: services, test: test)
            let application = Application(responder: try JunctionApplication.makeResponder(services: services, logger: logger), logger: logger)
            try await application.test(.router) { client in
                try await body(harness, client)
            }
        }
    }

    /// Runs `body` while this server's job workers run (event processing, deliveries, sync runs) and, with `scheduler`,
    /// its sync scheduler, stopping them after.
    func withWorkers<Result: Sendable>(scheduler: Bool = false, _ body: () async throws -> Result) async throws -> Result {
        var configuration = JobWorkerService.Configuration()
        configuration.pollInterval = .milliseconds(100)
        let workers = JobWorkerService(
            queue: services.queue, handlers: services.jobHandlers(logger: TestDatabase.logger), configuration: configuration,
            logger: TestDatabase.logger
        )
        let syncWorkers = services.syncWorkers(count: 2, pollInterval: .milliseconds(100), logger: TestDatabase.logger)
        let task = Task {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await workers.run() }
                for worker in syncWorkers { group.addTask { try await worker.run() } }
            }
        }
        let schedulerService = services.syncScheduler(logger: TestDatabase.logger, interval: .milliseconds(100))
        let schedulerTask = scheduler ? Task { try await schedulerService.run() } : nil
        defer {
            task.cancel()
            schedulerTask?.cancel()
        }
        let result = try await body()
        task.cancel()
        schedulerTask?.cancel()
        _ = await task.result
        _ = await schedulerTask?.result
        return result
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("the condition did not hold within \(timeout)")
    }

    /// A connection's credentials, opened.
    func credentials(_ id: String) async throws -> [String: JSONValue] {
        try await services.vault.credentials(of: id, in: VaultSecretRepository(database: database))
    }

    /// The number of connections stored, to show a rejected request changed nothing.
    func connectionCount() async throws -> Int {
        try await ConnectionRepository(database: database).list(after: nil, limit: 10_000).count
    }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var json: [String: JSONValue] {
        get throws {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
            guard case .object(let members) = value else { throw TestSetupError("response body is not an object: \(value)") }
            return members
        }
    }

    var text: String { String(buffer: body) }
}

extension Data {
    /// SHA-256, hex.
    var sha256Hex: String { SHA256.hash(data: self).map { String(format: "%02x", $0) }.joined() }
}

extension ByteBuffer {
    /// A buffer holding `text`.
    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
