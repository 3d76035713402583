import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

/// One Bulk API 2.0 ingest job (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/):
/// create the job, upload the records as CSV, close it (`UploadComplete`), poll until Salesforce has processed it,
/// then read the successful and failed results. A job still running at the deadline is left running and reported
/// with its state and id, so nothing is lost: its results can be read later through the proxy.
struct SalesforceBulkIngest: Sendable {
    /// `https://instance/services/data/v62.0`.
    let base: String
    let object: String
    let pollInterval: Duration
    let deadline: Duration

    func insert(_ records: [JSONValue], session: ConnectorSession) async throws -> BatchResult {
        let csv = try CSV.write(records)
        let created = try await session.send(
            APIRequest(
                method: .post, url: base + "/jobs/ingest", headers: SalesforceConnector.jsonHeaders,
                body: Data(
                    try JSONValue.object([
                        "object": .string(object), "operation": "insert", "contentType": "CSV", "lineEnding": "LF",
                        "columnDelimiter": "COMMA",
                    ]).serialized().utf8))
        ).jsonBody()
        guard let id = created["id"]?.scalarText, id.range(of: "^[a-zA-Z0-9]+$", options: .regularExpression) != nil else {
            throw ConnectorError.unexpectedResponse("the bulk job was created without an id")
        }
        let job = base + "/jobs/ingest/" + id
        _ = try await session.send(
            APIRequest(
                method: .put, url: job + "/batches", headers: [.contentType: "text/csv", .accept: "application/json"], body: Data(csv.utf8))
        )
        _ = try await session.send(
            APIRequest(method: .patch, url: job, headers: SalesforceConnector.jsonHeaders, body: Data(#"{"state":"UploadComplete"}"#.utf8)))

        let stop = ContinuousClock.now + deadline
        var state = "UploadComplete"
        while true {
            state =
                try await session.send(APIRequest(method: .get, url: job, headers: [.accept: "application/json"])).jsonBody()["state"]?
                .stringValue ?? "Unknown"
            if ["JobComplete", "Failed", "Aborted"].contains(state) || ContinuousClock.now >= stop { break }
            try await Task.sleep(for: pollInterval)
        }
        guard state == "JobComplete" || state == "Failed" else {
            return BatchResult(method: "bulk", outcomes: [], isOrdered: false, jobID: id, jobState: state)
        }
        var outcomes: [BatchResult.Outcome] = []
        for row in try await results(job + "/successfulResults/", session: session) {
            outcomes.append(.created(id: row["sf__Id"].flatMap { $0.isEmpty ? nil : $0 }, record: .object(Self.fields(of: row))))
        }
        for row in try await results(job + "/failedResults/", session: session) {
            let fields = Self.fields(of: row).map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ", ")
            outcomes.append(.failed(status: nil, message: (row["sf__Error"] ?? "not created") + (fields.isEmpty ? "" : " (\(fields))")))
        }
        return BatchResult(method: "bulk", outcomes: outcomes, isOrdered: false, jobID: id, jobState: state)
    }

    private func results(_ url: String, session: ConnectorSession) async throws -> [[String: String]] {
        let response = try await session.send(APIRequest(method: .get, url: url, headers: [.accept: "text/csv"]))
        let rows = CSV.parse(String(decoding: response.body, as: UTF8.self))
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { row in
            Dictionary(zip(header, row).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        }
    }

    static func fields(of row: [String: String]) -> [String: JSONValue] {
        row.filter { !$0.key.hasPrefix("sf__") }.mapValues(JSONValue.string)
    }
}
