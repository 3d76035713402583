import Foundation
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionTestSupport
import Testing

/// The Salesforce connector against `Tests/Peers/salesforce_fixture.py` (written from the REST API and Bulk API 2.0
/// developer guides), authenticated with the JWT bearer flow at `jwt_token_endpoint.py`, whose token answer names
/// the fixture as `instance_url`.
@Suite("Salesforce connector", .enabled(if: PythonPeer.isAvailable))
struct SalesforceConnectorTests {
    @Test("JWT bearer, instance_url, SOQL pages, SystemModstamp, CRUD, Composite and Bulk 2.0 batches, getDeleted/getUpdated")
    func salesforceEndToEnd() async throws {
        try await SalesforcePeers.with { peers in
            let catalog = ProviderCatalog.builtIn.adding([
                SalesforceConnector(bulkThreshold: 300, bulkPollInterval: .milliseconds(20), bulkDeadline: .seconds(30))
            ])
            try await ConnectorDriver.Harness.with(.sqlite, catalog: catalog) { app in
                let api = try await ConnectorDriver.create(
                    app, provider: "salesforce", settings: peers.settings, credentials: peers.credentials)
                let started = Int(Date().timeIntervalSince1970) - 2

                // sObject CRUD; creates and updates answer with the record read back.
                let created = try await api.ok(.post, "accounts", #"{"Name": "Acme", "Industry": "Energy"}"#)
                let acme = try #require(created["externalId"]?.stringValue)
                #expect(created["record"]?["attributes"]?["type"] == "Account")
                #expect(try await api.ok(.get, "accounts/\(acme)")["record"]?["Industry"] == "Energy")
                let renamed = try await api.ok(.patch, "accounts/\(acme)", #"{"Name": "Acme Corp"}"#)
                #expect(renamed["record"]?["Name"] == "Acme Corp")

                // The connection's own calls go to the instance URL the token answer named, with the same token.
                let raw = try await api.send("GET", "/services/data/v62.0/sobjects/Account/\(acme)")
                #expect(raw["Name"] == "Acme Corp")
                let missing = await api.call(.post, "accounts", #"{"Industry": "Energy"}"#)
                #expect(missing.failure == "validation")
                #expect(missing.provider?.code == "REQUIRED_FIELD_MISSING")
                #expect(missing.provider?.fields == ["Name"])
                #expect(await api.call(.get, "accounts/not-an-id").failure == "invalidInput")

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
                #expect(await api.call(.get, "accounts/\(acme)").failure == "notFound")
                let changes = try await api.changes("accounts", since: String(started))
                #expect(changes.deleted.map(\.id) == [acme])
                #expect(changes.updatedIDs?.count == 249 + 319)
                #expect(changes.coveredUntil != nil)

                // The calls: bearer token from the JWT flow, the pinned version in the path, Salesforce's batch size.
                let recorded = try JSONValue.parse(try await PeerHTTP.get(peers.instance.baseURL + "/_requests")).arrayValue ?? []
                let calls = recorded.filter { $0["path"] != "/_requests" }
                #expect(calls.allSatisfy { $0["headers"]?["Authorization"] == "Bearer 00Dxx0000000000!AQ0AQ.test" })
                #expect(calls.allSatisfy { $0["path"]?.stringValue?.hasPrefix("/services/data/v62.0/") == true })
                #expect(calls.contains { $0["headers"]?["Sforce-Query-Options"] == "batchSize=200" })
                try await api.updateSettings(#"{"apiVersion": "61.0"}"#)
                _ = try await api.ok(.get, "accounts?limit=200")
                let later = try JSONValue.parse(try await PeerHTTP.get(peers.instance.baseURL + "/_requests")).arrayValue ?? []
                #expect(later.contains { $0["path"] == "/services/data/v61.0/query" })
            }
        }
    }
}
