import Foundation
import JunctionCore
import JunctionTestSupport
import Testing

/// `junction integrations`, the new `junction connections` options and subcommands, and `junction alerts`, against a
/// real `junction serve` process: what a person types, what they see, and one readable line when something is wrong.
@Suite("Service management from the command line", .serialized)
struct ServiceManagementCLITests {
    @Test("integrations add|list|show|presets|delete, connections add --integration --tenant, list filters, health, versions, alerts")
    func commandLine() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = try await SyncProcessTests.masterKey()
        let server = try await SyncProcessTests.start("sqlite://\(folder)/junction.sqlite", folder: folder, masterKey: key)
        let junction = SyncProcessTests.JunctionCLI(server: server)

        let added = try await junction(
            "integrations", "add", "--key", "sf-prod", "--provider", "salesforce", "--credential", "clientId=3MVG9client",
            "--credential", "clientSecret=very-secret-value", "--oauth", #"allowedReturnUrls=["https://app.example.com/done"]"#)
        #expect(added.status == 0 && added.output.trimmingCharacters(in: .whitespacesAndNewlines) == "sf-prod", "\(added.errors)")
        let shown = try await junction("integrations", "show", "sf-prod")
        #expect(shown.output.contains("https://login.salesforce.com/services/oauth2/authorize"), "\(shown.output)")
        #expect(!shown.output.contains("very-secret-value") && shown.output.contains("clientSecret:"))
        #expect(try await junction("integrations").output.contains("sf-prod"))
        #expect(try await junction("integrations", "presets").output.contains("stripe-connect"))

        let connection = try await junction("connections", "add", "--integration", "sf-prod", "--name", "Acme CRM", "--tenant", "acme", "--metadata", "plan=gold")
        #expect(connection.status == 0, "\(connection.errors)")
        let id = connection.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await junction("connections", "list", "--tenant", "acme").output.contains(id))
        #expect(try await junction("connections", "list", "--tenant", "nobody").output.contains("no connections"))
        let listed = try JSONValue.parse(try await junction("connections", "list", "--integration", "sf-prod", "--json").output)
        #expect(listed.arrayValue?.first?["metadata"]?["plan"] == "gold")

        let health = try await junction("connections", "health", id)
        #expect(health.status == 0 && health.output.contains("state: healthy"), "\(health.output)\(health.errors)")
        let versions = try await junction("connections", "versions", id)
        #expect(versions.output.contains("in use: 62.0 (pinned by provider)"), "\(versions.output)\(versions.errors)")
        #expect(try await junction("alerts", "list").output.contains("no alerts"))
        let operational = try await junction("alerts", "events", "--json")
        let operationalEvents = try JSONValue.parse(operational.output)
        #expect(operational.status == 0 && operationalEvents.arrayValue != nil, "\(operational.errors)")

        for (arguments, fragment) in [
            (["alerts", "ack", "alrt_nope"], "no alert"),
            (["alerts", "list", "--status", "sleeping"], "--status"),
            (["alerts", "events", "--limit", "0"], "--limit"),
            (["integrations", "delete", "sf-prod"], "1 connection use"),
            (["integrations", "add", "--key", "Bad Key", "--provider", "salesforce"], "key"),
            (["integrations", "update", "sf-prod"], "nothing to change"),
            (["connections", "add", "--name", "x"], "provider"),
        ] {
            let refused = try await junction(arguments)
            #expect(refused.status != 0, "\(arguments) succeeded")
            let lines = refused.errors.split(separator: "\n")
            #expect(lines.count == 1 && refused.errors.contains(fragment), "\(arguments): \(refused.errors)")
            #expect(!refused.errors.contains("very-secret-value"))
        }
        _ = try await server.stop()
    }
}
