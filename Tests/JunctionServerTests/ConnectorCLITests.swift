import Foundation
import JunctionConnectors
import JunctionCore
import JunctionTestSupport
import NIOHTTP1
import Testing

/// `junction providers`, `junction connections` and `junction call` as a user runs them, against a server process
/// serving a declarative definition from a folder and a connection to localstripe.
@Suite("Connector CLI", .serialized, .enabled(if: PythonPeer.isAvailable))
struct ConnectorCLITests {
    static func junction(_ arguments: [String], environment: [String: String] = [:], folder: String) async throws -> (
        status: Int32, standardOutput: String, standardError: String
    ) {
        try await ChildProcess.run(
            ChildProcess.junctionExecutable, arguments: arguments, environment: environment, workingDirectory: folder)
    }

    @Test("providers validate reports every mistake with its path and exits 1; a valid file exits 0")
    func validate() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "name: Bad\nbaseURL: ftp://x\nresources: []\n".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        try (BuiltInDefinitions.all["hubspot"] ?? "").replacingOccurrences(of: "name: hubspot", with: "name: my-crm")
            .write(toFile: folder + "/good.yml", atomically: true, encoding: .utf8)
        let bad = try await Self.junction(["providers", "validate", "bad.yaml", "good.yml"], folder: folder)
        #expect(bad.status == 1)
        for expected in [
            "bad.yaml: name:", "bad.yaml: displayName: is required", "bad.yaml: baseURL:", "bad.yaml: auth: is required",
            "bad.yaml: resources:",
        ] {
            #expect(bad.standardError.contains(expected), "\(expected) in \(bad.standardError)")
        }
        #expect(bad.standardOutput.contains("good.yml: valid: provider 'my-crm' with 2 resources"))
        let good = try await Self.junction(["providers", "validate", "good.yml"], folder: folder)
        #expect(good.status == 0)
        let listed = try await Self.junction(["providers", "show", "stripe"], folder: folder)
        #expect(listed.standardOutput.contains("payment_intents"))
        #expect(try await Self.junction(["providers", "show", "nope"], folder: folder).status != 0)
    }

    @Test("serve --connector-definitions; connections add/list/show/test; call list/create/get with tables and --json")
    func connectionsAndCall() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/connectors", withIntermediateDirectories: true)
        try (BuiltInDefinitions.all["hubspot"] ?? "").replacingOccurrences(of: "name: hubspot", with: "name: my-crm")
            .write(toFile: folder + "/connectors/crm.yaml", atomically: true, encoding: .utf8)
        try await PythonPeer.with("serve_localstripe.py") { (stripe: PythonPeer) async throws -> Void in
            let environment = ["JUNCTION_ADMIN_TOKEN": ServeProcessTests.token]
            let server = try await ServeProcessTests.Server.start(
                environment: environment, workingDirectory: folder, extraArguments: ["--connector-definitions", "connectors"])
            let client = environment.merging(["JUNCTION_URL": "http://127.0.0.1:\(server.port)"]) { $1 }

            let providers = try await Self.junction(["providers", "--json", "--connector-definitions", "connectors"], folder: folder)
            #expect(try JSONValue.parse(providers.standardOutput).arrayValue?.contains { $0["name"] == "my-crm" } == true)
            let served = try await server.request(.GET, "/api/v1/providers/my-crm")
            #expect(served.status == 200)

            try "sk_test_cli_secret\n".write(toFile: folder + "/key.txt", atomically: true, encoding: .utf8)
            let added = try await Self.junction(
                [
                    "connections", "add", "--provider", "stripe", "--name", "billing", "--setting", "baseURL=\(stripe.baseURL)",
                    "--setting", "client.maxAttempts=2", "--credential", "apiKey=@key.txt",
                ], environment: client, folder: folder)
            #expect(added.status == 0, "\(added.standardError)")
            let id = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.hasPrefix("conn_"))

            let list = try await Self.junction(["connections", "list"], environment: client, folder: folder)
            #expect(list.standardOutput.contains(id) && list.standardOutput.contains("billing"))
            let show = try await Self.junction(["connections", "show", id], environment: client, folder: folder)
            #expect(show.standardOutput.contains("apiKey: ") && !show.standardOutput.contains("sk_test_cli_secret"))
            #expect(show.standardOutput.contains("\"maxAttempts\" : 2"))
            let test = try await Self.junction(["connections", "test", id], environment: client, folder: folder)
            #expect(test.status == 0 && test.standardOutput.hasPrefix("ok: stripe answered in"), "\(test.standardError)")

            for name in ["Ada", "Grace", "Katherine"] {
                let created = try await Self.junction(
                    ["call", id, "customers", "create", "--data", #"{"name": "\#(name)", "email": "\#(name.lowercased())@example.com"}"#],
                    environment: client, folder: folder)
                #expect(created.status == 0, "\(created.standardError)")
                #expect(created.standardOutput.contains("\"email\" : \"\(name.lowercased())@example.com\""))
            }
            let table = try await Self.junction(
                ["call", id, "customers", "list", "--all", "--limit", "2", "--fields", "email,name"], environment: client, folder: folder)
            #expect(table.status == 0)
            let lines = table.standardOutput.split(separator: "\n")
            #expect(lines.first?.hasPrefix("ID") == true && lines.first?.contains("EMAIL") == true)
            #expect(lines.count == 4, "\(table.standardOutput)")
            let page = try await Self.junction(
                ["call", id, "customers", "list", "--limit", "1", "--json"], environment: client, folder: folder)
            let records = try JSONValue.parse(page.standardOutput).arrayValue ?? []
            #expect(records.count == 1)
            #expect(page.standardError.contains("more: --cursor"))
            let customer = try #require(records.first?["externalId"]?.stringValue)
            let got = try await Self.junction(["call", id, "customers", "get", customer], environment: client, folder: folder)
            #expect(got.standardOutput.contains(customer))

            let missing = try await Self.junction(["call", id, "customers", "get", "cus_missing"], environment: client, folder: folder)
            #expect(missing.status != 0)
            #expect(missing.standardError.contains("Not found at the provider (404)"))
            #expect(missing.standardError.split(separator: "\n").count == 1, "one readable line")
            let noID = try await Self.junction(["call", id, "customers", "get"], environment: client, folder: folder)
            #expect(noID.status != 0 && noID.standardError.contains("needs the record's id"))
            let bare = try await Self.junction(
                ["connections", "add", "--provider", "stripe", "--name", "x", "--credential", "sk_live_not_echoed"], environment: client,
                folder: folder)
            #expect(bare.status != 0 && !bare.standardError.contains("sk_live_not_echoed"))
            let badSince = try await Self.junction(
                ["call", id, "customers", "list", "--since", "yesterday"], environment: client, folder: folder)
            #expect(badSince.status != 0 && badSince.standardError.contains("--since"))
            let noToken = try await Self.junction(
                ["connections", "list"], environment: ["JUNCTION_URL": client["JUNCTION_URL"] ?? ""], folder: folder)
            #expect(noToken.status != 0 && noToken.standardError.contains("JUNCTION_ADMIN_TOKEN"))
            #expect(try await server.stop() == 0)
        }
    }
}
