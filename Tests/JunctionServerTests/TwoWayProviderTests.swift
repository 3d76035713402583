import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionConnectors
import JunctionCore
import JunctionServer
import JunctionTestSupport
import Testing

/// Two-way sync against real peers and fixture servers: localstripe (customers), the Salesforce fixture
/// (`Tests/Peers/salesforce_fixture.py`, from the REST API guide: sObject PATCH answers 204 and the connector reads the
/// record back) and the HubSpot fixture (`Tests/Peers/crm_fixtures.py`, from the CRM v3 objects reference: fields live
/// in `properties`, so edits of different properties merge field by field). The provider's own edits are made
/// through Junction's resources API, as any other client of the provider would make them: outside the sync.
@Suite("Two-way sync against providers", .enabled(if: PythonPeer.isAvailable))
struct TwoWayProviderTests {
    /// A provider's connection and the fields the scenario edits.
    struct Provider {
        var name: String
        var settings: String
        var credentials: String
        var resource: String
        /// A record to create at the provider, in the resources API's shape.
        var seed: String
        /// Two fields of the provider's record (a dotted path for nested ones).
        var first: String, second: String
        /// Where the application's key goes in a created record.
        var localKeyField: String
        /// A record the application creates, in the provider's shape.
        var created: String
    }

    /// The scenario every provider goes through: a local edit reaches the provider; a simultaneous remote edit of
    /// another field merges; of the same field it opens a conflict, whose resolution is pushed; a create is pushed
    /// once.
    static func scenario(_ provider: Provider) async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let connection = try #require(
                try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                    body: .json(#"{"provider": "\#(provider.name)", "name": "two-way", "settings": \#(provider.settings), "credentials": \#(provider.credentials)}"#)
                ).json["id"]?.stringValue)
            let setup = SyncTests.Setup(harness: harness, client: client, ledgerURL: "", connection: connection)
            let resources = "/api/v1/connections/\(connection)/resources/\(provider.resource)"
            func remote(_ id: String) async throws -> JSONValue {
                try #require(try await setup.ok(.get, "\(resources)/\(id)")["record"])
            }
            func value(_ field: String, of record: JSONValue) -> JSONValue? { JSONPath(field)?.value(in: record) }
            /// `{field: value}` in the provider's record shape.
            func body(_ field: String, _ value: String) throws -> String {
                try (JSONPath(field)?.setting(.string(value), in: .object([:])) ?? .null).serialized()
            }
            /// `{field: value}` as the resources API takes it (HubSpot's `properties` wrapper is added by the connector).
            func remoteBody(_ field: String, _ value: String) throws -> String {
                try JSONValue.object([String(field.split(separator: ".").last ?? ""): .string(value)]).serialized()
            }

            try await harness.withWorkers(scheduler: true) {
                let seeded = try await setup.ok(.post, resources, provider.seed, status: .created)
                let id = try #require(seeded["externalId"]?.stringValue)
                let sync = try await setup.ok(
                    .post, "/api/v1/syncs",
                    #"{"connectionId": "\#(connection)", "resource": "\#(provider.resource)", "direction": "bidirectional", "conflictPolicy": "merge", "localKeyField": "\#(provider.localKeyField)"}"#,
                    status: .created)
                let syncID = try #require(sync["id"]?.stringValue)
                #expect(try await setup.runToEnd(syncID)["status"] == "succeeded")

                // A local edit reaches the provider.
                let edit = try await setup.ok(.patch, "/api/v1/syncs/\(syncID)/records/\(id)", try body(provider.first, "local one"), status: .accepted)
                #expect(try await TwoWaySyncTests.settled(setup, sync: syncID, change: edit)["status"] == "pushed")
                #expect(value(provider.first, of: try await remote(id)) == "local one")

                // The provider changes another field meanwhile: both stand.
                _ = try await setup.ok(.patch, "\(resources)/\(id)", try remoteBody(provider.second, "remote two"))
                let merged = try await setup.ok(.patch, "/api/v1/syncs/\(syncID)/records/\(id)", try body(provider.first, "local two"), status: .accepted)
                #expect(try await TwoWaySyncTests.settled(setup, sync: syncID, change: merged)["status"] == "pushed")
                let afterMerge = try await remote(id)
                #expect(value(provider.first, of: afterMerge) == "local two")
                #expect(value(provider.second, of: afterMerge) == "remote two")

                // The same field: a conflict, nothing overwritten, until it is resolved.
                _ = try await setup.ok(.patch, "\(resources)/\(id)", try remoteBody(provider.first, "remote three"))
                let clash = try await setup.ok(.patch, "/api/v1/syncs/\(syncID)/records/\(id)", try body(provider.first, "local three"), status: .accepted)
                let conflicted = try await TwoWaySyncTests.settled(setup, sync: syncID, change: clash)
                #expect(conflicted["status"] == "conflict", "\(conflicted)")
                #expect(value(provider.first, of: try await remote(id)) == "remote three")
                let conflictID = try #require(conflicted["conflictId"]?.stringValue)
                let conflict = try await setup.ok(.get, "/api/v1/conflicts/\(conflictID)")
                #expect(conflict["fields"]?.arrayValue?.first { $0["conflicting"] == true }?["field"] == .string(provider.first))
                let resolved = try await setup.ok(.post, "/api/v1/conflicts/\(conflictID)/resolve", #"{"take": "local"}"#, status: .accepted)
                let resolution = try #require(resolved["resolutionChangeId"]?.stringValue)
                #expect(try await TwoWaySyncTests.settled(setup, sync: syncID, change: ["id": .string(resolution)])["status"] == "pushed")
                let final = try await remote(id)
                #expect(value(provider.first, of: final) == "local three")
                #expect(value(provider.second, of: final) == "remote two")

                // A create, pushed once, carrying the application's key.
                let created = try await setup.ok(
                    .post, "/api/v1/syncs/\(syncID)/records", #"{"localKey": "app-1", "record": \#(provider.created)}"#, status: .accepted)
                let pushed = try await TwoWaySyncTests.settled(setup, sync: syncID, change: created)
                #expect(pushed["status"] == "pushed", "\(pushed)")
                let newID = try #require(pushed["externalId"]?.stringValue)
                #expect(value(provider.localKeyField, of: try await remote(newID)) == "app-1")
            }
        }
    }

    @Test("localstripe customers")
    func stripe() async throws {
        try await PythonPeer.with("serve_localstripe.py") { (stripe: PythonPeer) async throws -> Void in
            try await Self.scenario(
                Provider(
                    name: "stripe", settings: #"{"baseURL": "\#(stripe.baseURL)"}"#, credentials: #"{"apiKey": "sk_test_two_way"}"#,
                    resource: "customers", seed: #"{"name": "Ada", "description": "first"}"#, first: "name", second: "description",
                    localKeyField: "metadata.junction_key", created: #"{"name": "Grace"}"#))
        }
    }

    @Test("Salesforce accounts (fixture)")
    func salesforce() async throws {
        try await SalesforcePeers.with { peers in
            try await Self.scenario(
                Provider(
                    name: "salesforce", settings: peers.settings, credentials: peers.credentials, resource: "accounts",
                    seed: #"{"Name": "Acme", "Phone": "1"}"#, first: "Name", second: "Phone", localKeyField: "Junction_Key__c",
                    created: #"{"Name": "Initech"}"#))
        }
    }

    @Test("HubSpot contacts (fixture): different properties merge")
    func hubspot() async throws {
        try await PythonPeer.with("crm_fixtures.py") { (crm: PythonPeer) async throws -> Void in
            try await Self.scenario(
                Provider(
                    name: "hubspot", settings: #"{"baseURL": "\#(crm.baseURL)"}"#, credentials: #"{"apiKey": "pat-na1-fixture-token"}"#,
                    resource: "contacts", seed: #"{"email": "ada@example.com", "firstname": "Ada", "lastname": "L"}"#,
                    first: "properties.firstname", second: "properties.lastname", localKeyField: "properties.junction_key",
                    created: #"{"properties": {"email": "grace@example.com", "firstname": "Grace"}}"#))
        }
    }
}
