import AsyncHTTPClient
import Foundation
import JunctionCore
import JunctionTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// Configuration as code against real `junction` processes: `config validate`, `apply` (twice, dry run, prune, a bad
/// file), `serve --config` applying at start, and SIGHUP changing the log level and a rate limit while requests flow.
@Suite("Configuration files", .serialized)
struct ConfigurationFileTests {
    /// A file with every kind of resource; credentials are references only.
    static func document(endpointURL: String = "http://127.0.0.1:9/hook", every: String = "24h", extra: String = "") -> String {
        """
        server:
          allowPrivateEndpoints: true
          logLevel: info
        integrations:
          sf-prod:
            provider: salesforce
            credentials:
              clientId: ${env:SF_CLIENT_ID}
              clientSecret: ${file:sf-secret.txt}
            settings:
              health:
                probeEvery: 60s
        connections:
          billing:
            provider: stripe
            tenant: acme
            settings:
              baseURL: http://127.0.0.1:9
            credentials:
              apiKey: ${env:STRIPE_KEY}
          crm:
            integration: sf-prod
        endpoints:
          app:
            url: \(endpointURL)
            eventTypes: ["connection.*"]
        syncs:
          customers:
            connection: billing
            resource: customers
            schedule:
              every: \(every)
        \(extra)
        """
    }

    static let environment = ["SF_CLIENT_ID": "3MVG9client", "STRIPE_KEY": "sk_test_configuration"]

    @Test("the full configuration files in docs/configuration.md and docs/service-management.md validate as written")
    func documentedExamplesValidate() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: "\(folder)/secrets", withIntermediateDirectories: true)
        try "sf-secret-value\n".write(toFile: "\(folder)/secrets/sf-client-secret", atomically: true, encoding: .utf8)
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs")
        for page in ["configuration.md", "service-management.md"] {
            let text = try String(contentsOf: docs.appendingPathComponent(page), encoding: .utf8)
            // The page's first YAML block is its full example.
            let start = try #require(text.range(of: "```yaml\n"), "\(page) has a YAML example")
            let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
            let file = "\(folder)/\(page).yaml"
            try String(text[start.upperBound..<end.lowerBound]).write(toFile: file, atomically: true, encoding: .utf8)
            let environment = ["SF_CLIENT_ID": "3MVG9example", "STRIPE_SECRET_KEY": "sk_test_docs", "STRIPE_WEBHOOK_SECRET": "whsec_docs"]
            let run = try await ChildProcess.run(
                ChildProcess.junctionExecutable, arguments: ["config", "validate", file], environment: environment)
            #expect(run.status == 0 && run.standardOutput.contains("valid ("), "\(page): \(run.standardOutput) \(run.standardError)")
        }
    }

    @Test("validate reports every mistake with its line; apply twice changes nothing the second time; a bad file changes nothing; prune deletes only what apply made")
    func validateAndApply() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "sf-secret-value\n".write(toFile: "\(folder)/sf-secret.txt", atomically: true, encoding: .utf8)
        let file = "\(folder)/junction.yaml"
        try Self.document().write(toFile: file, atomically: true, encoding: .utf8)
        func junction(_ arguments: String..., server: ServeProcessTests.Server? = nil) async throws -> (status: Int32, output: String, errors: String) {
            var environment = Self.environment
            if let server { (environment["JUNCTION_URL"], environment["JUNCTION_ADMIN_TOKEN"]) = ("http://127.0.0.1:\(server.port)", SyncProcessTests.token) }
            let run = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: arguments, environment: environment)
            return (run.status, run.standardOutput, run.standardError)
        }

        let valid = try await junction("config", "validate", file)
        #expect(valid.status == 0 && valid.output.contains("valid (1 integrations, 2 connections, 1 endpoints, 1 syncs; 2 server options)"), "\(valid)")
        #expect(!valid.output.contains("sk_test_configuration") && !valid.errors.contains("sf-secret-value"))

        // Three mistakes, each reported with its line: a literal secret, an unknown server option, a mistyped field.
        let broken = "\(folder)/broken.yaml"
        try """
            server:
              jobConcurency: 4
            connections:
              billing:
                provider: stripe
                credentials:
                  apiKey: sk_live_written_in_the_file
            endpoints:
              app:
                url: http://127.0.0.1:9/hook
                ordered: "yes please"
            """.write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await junction("config", "validate", broken)
        #expect(refused.status != 0)
        #expect(refused.errors.contains("line 2") && refused.errors.contains("server.jobConcurency"), "\(refused.errors)")
        #expect(refused.errors.contains("line 7") && refused.errors.contains("connections.billing.credentials.apiKey"), "\(refused.errors)")
        #expect(!refused.errors.contains("sk_live_written_in_the_file"))

        let key = try await SyncProcessTests.masterKey()
        let server = try await SyncProcessTests.start("sqlite://\(folder)/junction.sqlite", folder: folder, masterKey: key)
        // This server refuses endpoints on private networks (the dry run checks it as creating would); the rest of
        // the file is applied without the endpoint.
        let planned = try await junction("apply", file, "--dry-run", server: server)
        #expect(planned.status != 0 && planned.errors.contains("endpoint 'app'") && planned.errors.contains("private"), "\(planned)")
        let noEndpoint = Self.document().replacingOccurrences(of: "endpoints:\n  app:\n    url: http://127.0.0.1:9/hook\n    eventTypes: [\"connection.*\"]\n", with: "")
        try noEndpoint.write(toFile: file, atomically: true, encoding: .utf8)
        let dryRun = try await junction("apply", file, "--dry-run", server: server)
        #expect(dryRun.output.contains("+ integration sf-prod") && dryRun.output.contains("4 changes planned (dry run"), "\(dryRun)")

        let first = try await junction("apply", file, server: server)
        #expect(first.status == 0 && first.output.contains("4 changes applied; 0 unchanged"), "\(first)")
        let second = try await junction("apply", file, server: server)
        #expect(second.status == 0 && second.output.contains("0 changes applied; 4 unchanged"), "\(second)")
        let integration = try await server.request(.GET, "/api/v1/integrations/sf-prod")
        #expect(integration.json["credentials"]?["clientSecret"] != "sf-secret-value" && integration.json["credentials"]?["clientSecret"] != nil)
        let connections = try await server.request(.GET, "/api/v1/connections?tenant=acme")
        #expect(connections.json["data"]?.arrayValue?.count == 1)

        // A changed schedule is one update; a file with a mistake in one entry changes nothing, not even the others.
        try noEndpoint.replacingOccurrences(of: "every: 24h", with: "every: 12h").write(toFile: file, atomically: true, encoding: .utf8)
        let changed = try await junction("apply", file, server: server)
        #expect(changed.output.contains("~ sync customers") && changed.output.contains("1 change applied"), "\(changed)")
        let syncs = try await server.request(.GET, "/api/v1/syncs")
        #expect(syncs.json["data"]?.arrayValue?.first?["schedule"]?["every"] == "12h", "\(syncs.json)")
        let bad = noEndpoint.replacingOccurrences(of: "every: 24h", with: "every: 1h")
            .replacingOccurrences(of: "resource: customers", with: "resource: no_such_resource")
            .replacingOccurrences(of: "tenant: acme", with: "tenant: globex")
        try bad.write(toFile: file, atomically: true, encoding: .utf8)
        let badApply = try await junction("apply", file, server: server)
        #expect(badApply.status != 0 && badApply.errors.contains("sync 'customers'"), "\(badApply)")
        #expect(try await server.request(.GET, "/api/v1/connections?tenant=globex").json["data"]?.arrayValue?.isEmpty == true)

        // Prune: a connection made by hand survives; what the file made and no longer names goes.
        _ = try await server.request(.POST, "/api/v1/connections", body: #"{"provider": "stripe", "name": "by hand", "credentials": {"apiKey": "sk_test_hand"}}"#)
        try "integrations:\n  sf-prod:\n    provider: salesforce\n".write(toFile: file, atomically: true, encoding: .utf8)
        let pruned = try await junction("apply", file, "--prune", server: server)
        #expect(pruned.output.contains("- sync customers") && pruned.output.contains("- connection billing"), "\(pruned)")
        let left = try await server.request(.GET, "/api/v1/connections")
        #expect(left.json["data"]?.arrayValue?.map { $0["name"] } == ["by hand"], "\(left.json)")
        _ = try await server.stop()
    }

    @Test("serve --config applies the file at start; SIGHUP changes the log level and a rate limit without dropping a request")
    func serveAndReload() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "sf-secret-value\n".write(toFile: "\(folder)/sf-secret.txt", atomically: true, encoding: .utf8)
        let file = "\(folder)/junction.yaml"
        try Self.document().write(toFile: file, atomically: true, encoding: .utf8)
        var environment = Self.environment
        environment["JUNCTION_ADMIN_TOKEN"] = SyncProcessTests.token
        environment["JUNCTION_MASTER_KEY"] = try await SyncProcessTests.masterKey()
        environment["JUNCTION_DATABASE_URL"] = "sqlite://\(folder)/junction.sqlite"
        let process = try ChildProcess(
            ChildProcess.junctionExecutable, arguments: ["serve", "--port", "0", "--config", file], environment: environment, workingDirectory: folder)
        let started = try await process.waitForOutput(containing: "Server started and listening on ")
        let port = try #require(started.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) })
        let server = ServeProcessTests.Server(process: process, port: port)
        #expect(try await server.request(.GET, "/api/v1/integrations/sf-prod").status == 200)
        #expect(try await server.request(.GET, "/api/v1/endpoints").json["data"]?.arrayValue?.count == 1)

        // At info, creating an integration is logged; webhooks from one address are not limited yet.
        _ = try await server.request(.POST, "/api/v1/integrations", body: #"{"key": "before-reload", "provider": "stripe"}"#)
        _ = try await process.waitForOutput(containing: "integration=before-reload")
        for _ in 0..<5 { #expect(try await server.request(.POST, "/webhooks/conn_01J00000000000000000000000", body: "{}").status == 404) }

        try Self.document(extra: "").replacingOccurrences(of: "  logLevel: info", with: "  logLevel: warning\n  webhookSourceRateLimit: 1\n  jobLeaseSeconds: 20")
            .write(toFile: file, atomically: true, encoding: .utf8)
        // Requests go on while the file is read again: none fails.
        async let during: [UInt] = {
            var statuses: [UInt] = []
            for _ in 0..<40 { statuses.append(try await server.request(.GET, "/api/v1/integrations").status) }
            return statuses
        }()
        process.send(SIGHUP)
        _ = try await process.waitForOutput(containing: "configuration reloaded")
        _ = try await process.waitForOutput(containing: "take effect only after a restart")
        #expect(try await during.allSatisfy { $0 == 200 })
        #expect(process.standardError.contains("options=[\"jobLeaseSeconds\"]"), "\(process.standardError.suffix(2000))")

        _ = try await server.request(.POST, "/api/v1/integrations", body: #"{"key": "after-reload", "provider": "stripe"}"#)
        // Sent at once, so the bucket's refill of 1/s cannot hide the limit on a slow machine: 2 pass, the rest wait.
        let limited = try await withThrowingTaskGroup(of: UInt.self) { group in
            for _ in 0..<5 { group.addTask { try await server.request(.POST, "/webhooks/conn_01J00000000000000000000000", body: "{}").status } }
            return try await group.reduce(0) { $0 + ($1 == 429 ? 1 : 0) }
        }
        #expect(limited >= 2, "the source rate limit of 1/s with a burst of 2 did not apply")
        try await Task.sleep(for: .milliseconds(300))
        #expect(!process.standardError.contains("integration=after-reload"), "logged at info after the level became warning")

        // A file with a mistake is refused whole: the level stays.
        try "server:\n  logLevel: shouting\n".write(toFile: file, atomically: true, encoding: .utf8)
        process.send(SIGHUP)
        _ = try await process.waitForOutput(containing: "configuration not reloaded")
        #expect(try await server.stop() == 0)
    }
}
