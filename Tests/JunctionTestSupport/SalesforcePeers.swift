import Foundation
import JunctionCore

/// `salesforce_fixture.py` (a Salesforce instance, written from the REST and Bulk API 2.0 guides) and
/// `jwt_token_endpoint.py` (Salesforce's JWT bearer token endpoint, whose answer names the fixture as `instance_url`),
/// started together, with the settings and credentials of a connection that signs in there.
public struct SalesforcePeers: Sendable {
    /// The instance the token answer names.
    public let instance: PythonPeer
    /// The token endpoint.
    public let login: PythonPeer
    /// A connection's `settings`, as JSON text: the JWT bearer grant at `login`, no `baseURL`.
    public let settings: String
    /// A connection's `credentials`, as JSON text: the consumer key, the user and the private key the endpoint trusts.
    public let credentials: String

    /// Runs `body` while both peers run.
    public static func with(_ body: (SalesforcePeers) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sf-\(UUID().uuidString)").path
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
                let settings = try JSONValue.object([
                    "oauth": [
                        "grantType": "jwt_bearer", "tokenURL": .string(login.baseURL + "/services/oauth2/token"),
                        "audience": "https://login.salesforce.com",
                    ]
                ]).serialized()
                let credentials = try JSONValue.object([
                    "clientId": "3MVG9test.consumer.key", "username": "integration@example.com",
                    "privateKey": .string(try String(contentsOfFile: folder + "/sf.pem", encoding: .utf8)),
                ]).serialized()
                try await body(SalesforcePeers(instance: instance, login: login, settings: settings, credentials: credentials))
            }
        }
    }
}
