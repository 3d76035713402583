import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionConnectors
import JunctionCore
import JunctionTestSupport
import Testing

/// The Salesforce connector against `Tests/Peers/salesforce_fixture.py` (written from the REST API and Bulk API 2.0
/// developer guides), authenticated with the JWT bearer flow at `jwt_token_endpoint.py`, whose token answer names
/// the fixture as `instance_url`.
@Suite("Salesforce connector", .enabled(if: PythonPeer.isAvailable))
struct SalesforceConnectorTests {
    @Test("JWT bearer, instance_url, SOQL pages, SystemModstamp, CRUD, Composite and Bulk 2.0 batches, getDeleted/getUpdated")
    func salesforceEndToEnd() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sfc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await PythonPeer.with("salesforce_fixture.py") { (instance: PythonPeer) async throws -> Void in
            try await PythonPeer.with(
                "jwt_token_endpoint.py",
                arguments: [
                    "--key-file", folder + "/sa.json", "--salesforce-key-file", folder + "/sf.pem", "--salesforce-instance-url",
                    instance.baseURL,
                ]
            ) { (login: PythonPeer) async throws -> Void in
                let catalog = ProviderCatalog.builtIn.adding([
                    SalesforceConnector(bulkThreshold: 300, bulkPollInterval: .milliseconds(20), bulkDeadline: .seconds(30))
                ])
                try await ServerTestHarness.with(.sqlite, catalog: catalog) { _, client in
                    let pem = try String(contentsOfFile: folder + "/sf.pem", encoding: .utf8)
                    let settings = try JSONValue.object([
                        "oauth": [
                            "grantType": "jwt_bearer", "tokenURL": .string(login.baseURL + "/services/oauth2/token"),
                            "audience": "https://login.salesforce.com",
                        ]
                    ]).serialized()
                    let credentials = try JSONValue.object([
                        "clientId": "3MVG9test.consumer.key", "username": "integration@example.com", "privateKey": .string(pem),
                    ]).serialized()
                    let api = try await ConnectorResourceTests.Resources.create(
                        client, provider: "salesforce", settings: settings, credentials: credentials)
                    let started = Int(Date().timeIntervalSince1970) - 2

                    // sObject CRUD; creates and updates answer with the record read back.
                    let created = try await api.ok(.post, "accounts", #"{"Name": "Acme", "Industry": "Energy"}"#, status: .created)
                    let acme = try #require(created["externalId"]?.stringValue)
                    #expect(created["record"]?["attributes"]?["type"] == "Account")
                    #expect(try await api.ok(.get, "accounts/\(acme)")["record"]?["Industry"] == "Energy")
                    let renamed = try await api.ok(.patch, "accounts/\(acme)", #"{"Name": "Acme Corp"}"#)
                    #expect(renamed["record"]?["Name"] == "Acme Corp")

                    // The proxy opens the connection as the resources route does: without settings.baseURL, its calls
                    // go to the instance URL the token answer named, with the same token.
                    let proxied = try await client.execute(
                        uri: "/api/v1/connections/\(api.connection)/proxy/services/data/v62.0/sobjects/Account/\(acme)", method: .get,
                        headers: ServerTestHarness.authorized)
                    #expect(proxied.status == .ok, "\(proxied.text)")
                    #expect(try proxied.json["Name"] == "Acme Corp")
                    let missing = try await api.call(.post, "accounts", #"{"Industry": "Energy"}"#)
                    #expect(missing.status == .unprocessableContent)
                    #expect(try missing.json["providerCode"] == "REQUIRED_FIELD_MISSING")
                    #expect(try missing.json["providerFields"] == ["Name"])
                    #expect(try await api.call(.get, "accounts/not-an-id").status == .badRequest)

                    // Composite: 250 records in calls of 200; the one without a Name fails alone.
                    var batch = (1...250).map { index in "{\"Name\": \"Batch \(index)\"}" }
                    batch[41] = #"{"Industry": "Nameless"}"#
                    let composite = try await api.ok(.post, "accounts/batch", #"{"records": [\#(batch.joined(separator: ","))]}"#)
                    #expect(composite["method"] == "composite")
                    let results = composite["results"]?.arrayValue ?? []
                    #expect(results.count == 250)
                    #expect(results.filter { $0["created"] == true }.count == 249)
                    #expect(results[41]["created"] == false)
                    #expect(results[41]["error"]?.stringValue?.contains("REQUIRED_FIELD_MISSING") == true)

                    // SOQL pages of 200 through nextRecordsUrl, oldest change first.
                    let all = try await api.all("accounts", limit: 200)
                    #expect(all.records.count == 250)
                    #expect(all.pages == 2)
                    #expect(all.records.first?["externalId"] == .string(acme))
                    let future = Int(Date().timeIntervalSince1970) + 3600
                    #expect(try await api.all("accounts", limit: 200, extra: "&updatedSince=\(future)").records.isEmpty)

                    // Bulk API 2.0 past the threshold: create the job, upload CSV, close, poll, read both result sets.
                    var bulk = (1...320).map { index in "{\"Name\": \"Bulk, \\\"\(index)\\\"\", \"NumberOfEmployees\": \(index)}" }
                    bulk[7] = #"{"NumberOfEmployees": 8}"#
                    let ingested = try await api.ok(.post, "accounts/batch", #"{"records": [\#(bulk.joined(separator: ","))]}"#)
                    #expect(ingested["method"] == "bulk")
                    #expect(ingested["jobState"] == "JobComplete")
                    let outcomes = ingested["results"]?.arrayValue ?? []
                    #expect(outcomes.filter { $0["created"] == true }.count == 319)
                    #expect(outcomes.contains { $0["created"] == true && $0["record"]?["Name"] == #"Bulk, "1""# })
                    #expect(
                        outcomes.filter { $0["created"] == false }.first?["error"]?.stringValue?.contains("REQUIRED_FIELD_MISSING") == true)

                    // Deletions and updates in a window (getDeleted / getUpdated).
                    #expect(try await api.ok(.delete, "accounts/\(acme)")["record"]?["deleted"] == true)
                    #expect(try await api.call(.get, "accounts/\(acme)").status == .notFound)
                    let changes = try await api.client.execute(
                        uri: "/api/v1/connections/\(api.connection)/changes/accounts?since=\(started)", method: .get,
                        headers: ServerTestHarness.authorized)
                    #expect(changes.status == .ok, "\(changes.text)")
                    #expect(try changes.json["deleted"]?.arrayValue?.map { $0["externalId"] } == [.string(acme)])
                    #expect(try changes.json["updated"]?.arrayValue?.count == 249 + 319)
                    #expect(try changes.json["coveredUntil"]?.stringValue != nil)

                    // The calls: bearer token from the JWT flow, the pinned version in the path, Salesforce's batch size.
                    let recorded = try JSONValue.parse(try await PeerHTTP.get(instance.baseURL + "/_requests")).arrayValue ?? []
                    let calls = recorded.filter { $0["path"] != "/_requests" }
                    #expect(calls.allSatisfy { $0["headers"]?["Authorization"] == "Bearer 00Dxx0000000000!AQ0AQ.test" })
                    #expect(calls.allSatisfy { $0["path"]?.stringValue?.hasPrefix("/services/data/v62.0/") == true })
                    #expect(calls.contains { $0["headers"]?["Sforce-Query-Options"] == "batchSize=200" })
                    let pinned = try await client.execute(
                        uri: "/api/v1/connections/\(api.connection)", method: .patch, headers: ServerTestHarness.authorized,
                        body: .json(#"{"settings": {"apiVersion": "61.0"}}"#))
                    #expect(pinned.status == .ok)
                    _ = try await api.ok(.get, "accounts?limit=200")
                    let later = try JSONValue.parse(try await PeerHTTP.get(instance.baseURL + "/_requests")).arrayValue ?? []
                    #expect(later.contains { $0["path"] == "/services/data/v61.0/query" })
                }
            }
        }
    }
}
