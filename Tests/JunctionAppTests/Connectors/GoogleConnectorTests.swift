import Foundation
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionTestSupport
import Testing

/// The Google connector with a service account (JWT bearer, verified by google-auth in `jwt_token_endpoint.py`):
/// Calendar and Sheets against `Tests/Peers/google_fixtures.py` (written from Google's reference and sync guide),
/// Cloud Storage against the real `gcp-storage-emulator` package.
@Suite("Google connector", .enabled(if: PythonPeer.isAvailable))
struct GoogleConnectorTests {
    @Test("Calendar sync tokens (and 410 Gone), Sheets rows read and appended, Cloud Storage upload, list, download, delete")
    func googleEndToEnd() async throws {
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("gsa-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try await PythonPeer.with("jwt_token_endpoint.py", arguments: ["--key-file", keyFile]) { (login: PythonPeer) async throws -> Void in
            try await PythonPeer.with("google_fixtures.py") { (google: PythonPeer) async throws -> Void in
                try await PythonPeer.with("serve_gcs.py") { (storage: PythonPeer) async throws -> Void in
                    try await ConnectorDriver.Harness.with(.sqlite) { app in
                        let settings = try JSONValue.object([
                            "oauth": [
                                "grantType": "jwt_bearer", "tokenURL": .string(login.baseURL + "/token"),
                                "scopes": ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/spreadsheets"],
                            ],
                            "google": [
                                "spreadsheetId": "sheet-1", "bucket": "junction-test",
                                "endpoints": [
                                    "calendar": .string(google.baseURL + "/calendar/v3"), "sheets": .string(google.baseURL + "/v4"),
                                    "storage": .string(storage.baseURL),
                                ],
                            ],
                        ]).serialized()
                        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
                        let api = try await ConnectorDriver.create(
                            app, provider: "google", settings: settings,
                            credentials: try JSONValue.object(["serviceAccountKey": .string(key)]).serialized())
                        try await Self.calendar(api, fixture: google)
                        try await Self.sheets(api)
                        try await Self.storage(api)
                        try await Self.storagePages(app, fixture: google, login: login, key: key)
                    }
                }
            }
        }
    }

    static func calendar(_ api: ConnectorDriver, fixture: PythonPeer) async throws {
        let event = #"{"summary": "%@", "start": {"dateTime": "2026-12-01T10:00:00Z"}, "end": {"dateTime": "2026-12-01T11:00:00Z"}}"#
        var ids: [String] = []
        for title in ["Standup", "Review", "Retro"] {
            let created = try await api.ok(.post, "calendar_events", event.replacingOccurrences(of: "%@", with: title))
            ids.append(try #require(created["externalId"]?.stringValue))
        }
        // A full listing in pages of 2; its last page hands out the checkpoint (the sync token).
        let first = try await api.ok(.get, "calendar_events?limit=2")
        #expect(first["data"]?.arrayValue?.count == 2)
        #expect(first["checkpoint"] == nil)
        let cursor = try #require(first["nextCursor"]?.stringValue)
        let last = try await api.ok(.get, "calendar_events?limit=2&cursor=\(FormEncoding.percentEncoded(cursor))")
        #expect(last["data"]?.arrayValue?.count == 1)
        let checkpoint = try #require(last["checkpoint"]?.stringValue)

        // Changes since the checkpoint: one update and one deletion (listed as cancelled).
        #expect(
            try await api.ok(.patch, "calendar_events/\(ids[0])", #"{"summary": "Daily standup"}"#)["record"]?["summary"] == "Daily standup"
        )
        #expect(try await api.ok(.delete, "calendar_events/\(ids[2])")["record"]?["deleted"] == true)
        let changed = try await api.ok(.get, "calendar_events?checkpoint=\(FormEncoding.percentEncoded(checkpoint))")
        let records = changed["data"]?.arrayValue ?? []
        #expect(records.compactMap { $0["externalId"]?.stringValue }.sorted() == [ids[0], ids[2]].sorted())
        #expect(records.first { $0["externalId"] == .string(ids[2]) }?["record"]?["status"] == "cancelled")
        let next = try #require(changed["checkpoint"]?.stringValue)
        #expect(next != checkpoint)

        // Google forgets sync tokens: 410 Gone becomes "full resync required".
        _ = try await PeerHTTP.post(fixture.baseURL + "/_calendar/expire", body: "")
        let expired = await api.call(.get, "calendar_events?checkpoint=\(FormEncoding.percentEncoded(next))")
        #expect(expired.failure == "checkpointExpired", "\(expired.detail)")
        let resynced = try await api.ok(.get, "calendar_events")
        #expect(resynced["data"]?.arrayValue?.count == 2)
        #expect(resynced["checkpoint"]?.stringValue != nil)
        #expect(await api.call(.get, "calendar_events?checkpoint=x&updatedSince=0").failure == "invalidInput")
    }

    static func sheets(_ api: ConnectorDriver) async throws {
        for (name, plan) in [("Ada", "pro"), ("Grace", "free"), ("Katherine", "pro")] {
            let appended = try await api.ok(
                .post, "sheet_rows", #"{"Name": "\#(name)", "Email": "\#(name.lowercased())@example.com", "Plan": "\#(plan)"}"#)
            #expect(appended["record"]?["Name"] == .string(name))
        }
        let page = try await api.ok(.get, "sheet_rows?limit=2")
        let rows = page["data"]?.arrayValue ?? []
        #expect(rows.map { $0["externalId"] } == ["2", "3"])
        #expect(rows.first?["record"]?["Email"] == "ada@example.com")
        let rest = try await api.ok(.get, "sheet_rows?limit=2&cursor=\(try #require(page["nextCursor"]?.stringValue))")
        #expect(rest["data"]?.arrayValue?.map { $0["record"]?["Name"] } == ["Katherine"])
        // A short page may precede rows after a gap: the listing ends at the first empty page.
        let end = try await api.ok(.get, "sheet_rows?limit=2&cursor=\(try #require(rest["nextCursor"]?.stringValue))")
        #expect(end["data"]?.arrayValue?.isEmpty == true)
        #expect(end["nextCursor"] == nil)
        let formula = try await api.ok(.post, "sheet_rows", #"{"Name": "=IMPORTDATA(\"https://example.com\")"}"#)
        #expect(formula["record"]?["Name"]?.stringValue?.hasPrefix("=IMPORTDATA") == true)
        #expect(try await api.ok(.get, "sheet_rows/3")["record"]?["Plan"] == "free")
        let unknown = await api.call(.post, "sheet_rows", #"{"Name": "X", "Phone": "1"}"#)
        #expect(unknown.failure == "invalidInput")
        #expect(unknown.detail.contains("Phone"))
    }

    static func storagePages(_ app: ConnectorDriver.Harness, fixture: PythonPeer, login: PythonPeer, key: String) async throws {
        let settings = try JSONValue.object([
            "oauth": [
                "grantType": "jwt_bearer", "tokenURL": .string(login.baseURL + "/token"),
                "scopes": ["https://www.googleapis.com/auth/devstorage.read_only"],
            ],
            "google": ["bucket": "paged-bucket", "endpoints": ["storage": .string(fixture.baseURL)]],
        ]).serialized()
        let api = try await ConnectorDriver.create(
            app, provider: "google", settings: settings,
            credentials: try JSONValue.object(["serviceAccountKey": .string(key)]).serialized())
        let listed = try await api.all("storage_objects", limit: 2)
        #expect(listed.pages == 3)
        #expect(listed.records.compactMap { $0["externalId"]?.stringValue } == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"])
    }

    static func storage(_ api: ConnectorDriver) async throws {
        let text = try await api.ok(
            .post, "storage_objects", #"{"name": "reports/2026/summary.txt", "content": "hello, storage"}"#)
        #expect(text["externalId"] == "reports/2026/summary.txt")
        let bytes = Data((0..<256).map { UInt8($0) })
        _ = try await api.ok(
            .post, "storage_objects",
            #"{"name": "blob.bin", "contentBase64": "\#(bytes.base64EncodedString())", "contentType": "application/octet-stream"}"#)
        for index in 1...3 {
            _ = try await api.ok(
                .post, "storage_objects", #"{"name": "logs/\#(index).log", "content": "line \#(index)"}"#)
        }
        // (The emulator does not page lists; storagePages checks nextPageToken against the fixture.)
        let listed = try await api.all("storage_objects", limit: 2)
        #expect(
            Set(listed.records.compactMap { $0["externalId"]?.stringValue }) == [
                "reports/2026/summary.txt", "blob.bin", "logs/1.log", "logs/2.log", "logs/3.log",
            ])

        let encoded = "reports%2F2026%2Fsummary.txt"
        #expect(try await api.ok(.get, "storage_objects/\(encoded)")["record"]?["size"] == "14")
        let download = await api.call(.get, "storage_objects/\(encoded)/content")
        #expect(download.error == nil)
        #expect(download.text == "hello, storage")
        let binary = await api.call(.get, "storage_objects/blob.bin/content")
        #expect(binary.data == bytes)

        #expect(try await api.ok(.delete, "storage_objects/\(encoded)")["record"]?["deleted"] == true)
        #expect(await api.call(.get, "storage_objects/\(encoded)/content").failure == "notFound")
        #expect(await api.call(.post, "storage_objects", #"{"name": "x"}"#).failure == "invalidInput")
    }
}
