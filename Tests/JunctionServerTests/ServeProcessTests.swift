import AsyncHTTPClient
import Foundation
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// `junction serve` as a user runs it: a separate process, configured by flags and environment.
@Suite("junction serve", .serialized)
struct ServeProcessTests {
    static let token = "jct_process_test_token"

    /// A running server process on a loopback port.
    struct Server {
        let process: ChildProcess
        let port: Int

        /// Starts `junction serve` on port 0 and reads the port it bound from its start line. A port picked
        /// beforehand and handed over can be taken meanwhile, by another test's peer or by the local end of an
        /// outbound connection, and the server then fails to bind (seen on CI).
        static func start(
            database: String? = nil,
            environment: [String: String] = [:],
            workingDirectory: String,
            extraArguments: [String] = []
        ) async throws -> Server {
            var arguments = ["serve", "--port", "0", "--log-level", "trace"] + extraArguments
            if let database { arguments += ["--database", database] }
            let process = try ChildProcess(
                ChildProcess.junctionExecutable, arguments: arguments, environment: environment, workingDirectory: workingDirectory
            )
            let started = try await process.waitForOutput(containing: "Server started and listening on ")
            guard let port = started.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }), port > 0 else {
                throw TestSetupError("no port in the server's start line: \(started)")
            }
            return Server(process: process, port: port)
        }

        func request(
            _ method: HTTPMethod, _ path: String, body: String? = nil, token: String = ServeProcessTests.token, timeout: Int64
        ) async throws -> (status: UInt, json: JSONValue) {
            try await request(method, path, body: body, token: token, deadline: .seconds(timeout))
        }

        func request(
            _ method: HTTPMethod, _ path: String, body: String? = nil, token: String = ServeProcessTests.token,
            deadline: TimeAmount = .seconds(10)
        ) async throws -> (status: UInt, json: JSONValue) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: deadline)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let json = bytes.readableBytes == 0 ? JSONValue.null : try JSONValue.parse(String(buffer: bytes))
            return (response.status.code, json)
        }

        func stop() async throws -> Int32 {
            process.send(SIGTERM)
            return try await process.wait(timeout: .seconds(30))
        }
    }

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("junction-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("first start generates the master key file and prints the admin token once; SIGTERM exits 0")
    func firstStart() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try await Server.start(workingDirectory: folder)
        let tokenLine = first.process.standardOutput.split(separator: "\n").first { $0.contains("jct_") }
        let token = try #require(tokenLine?.trimmingCharacters(in: .whitespaces))
        #expect(first.process.standardError.contains("generated a new master key"))
        #expect(!first.process.standardError.contains(token), "the token is never logged")
        let keyFile = folder + "/.junction/master.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        #expect(try await first.request(.GET, "/api/v1/connections", token: token).status == 200)
        #expect(try await first.request(.GET, "/api/v1/connections", token: "jct_wrong").status == 401)
        #expect(try await first.stop() == 0)

        let second = try await Server.start(workingDirectory: folder)
        #expect(!second.process.standardOutput.contains("jct_"), "the token is printed only on the first start")
        #expect(!second.process.standardError.contains("generated a new master key"))
        #expect(try await second.request(.GET, "/api/v1/connections", token: token).status == 200)
        #expect(try await second.stop() == 0)
        #expect(second.process.standardError.contains("junction stopped"))
    }

    @Test("keys rotate re-seals every credential while the server keeps serving them (key file)")
    func rotateWhileServing() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try await Server.start(environment: ["JUNCTION_ADMIN_TOKEN": Self.token], workingDirectory: folder)
        var ids: [String: String] = [:]
        for index in 0..<12 {
            let apiKey = "sk_test_rotation\(index)_\(UUID().uuidString.prefix(8))_\(1000 + index)"
            let created = try await server.request(
                .POST, "/api/v1/connections",
                body: #"{"provider": "stripe", "name": "c\#(index)", "credentials": {"apiKey": "\#(apiKey)"}}"#)
            #expect(created.status == 201)
            ids[try #require(created.json["id"]?.stringValue)] = SecretMask.mask(apiKey)
        }
        let oldKeyFile = try String(contentsOfFile: folder + "/.junction/master.key", encoding: .utf8)

        let rotate = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: ["keys", "rotate"], workingDirectory: folder)
        #expect(rotate.status == 0, "\(rotate.standardError)")
        #expect(rotate.standardOutput.contains("re-sealed 12 data key(s)"))
        let newKeyFile = try String(contentsOfFile: folder + "/.junction/master.key", encoding: .utf8)
        #expect(newKeyFile != oldKeyFile)

        // The running server reads every credential, now sealed under the new key, and seals new ones with it.
        for (id, masked) in ids {
            let fetched = try await server.request(.GET, "/api/v1/connections/\(id)")
            #expect(fetched.status == 200)
            #expect(fetched.json["credentials"]?["apiKey"] == .string(masked))
        }
        let late = try await server.request(
            .POST, "/api/v1/connections",
            body: #"{"provider": "rest", "name": "late", "credentials": {"token": "tok_after_rotation_123456"}}"#)
        #expect(late.status == 201)
        #expect(try await server.stop() == 0)
        let logs = server.process.standardError + server.process.standardOutput + rotate.standardError + rotate.standardOutput
        #expect(logs.contains("trace") || logs.contains("debug"), "the server logged at trace level")
        let keyLines = newKeyFile.split(separator: "\n").filter({ !$0.hasPrefix("#") }).map(String.init)
        for secret in ["sk_test_rotation", "tok_after_rotation", Self.token] + keyLines {
            #expect(!logs.contains(secret), "a secret leaked into the logs")
        }

        let status = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: ["keys", "status"], workingDirectory: folder)
        let lines = status.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.contains("current") && $0.contains("seals 13 secret(s)") }, "\(status.standardOutput)")
        #expect(lines.contains { $0.contains("retired") && $0.contains("seals 0 secret(s)") }, "\(status.standardOutput)")
    }

    @Test("on PostgreSQL: a missing master key is refused; a rolling key change and rotation lose nothing")
    func postgresKeys() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let test = try await TestDatabase.create(.postgres)
        let missing = try await ChildProcess.run(
            ChildProcess.junctionExecutable, arguments: ["serve", "--database", test.urlText, "--port", "0"],
            environment: ["JUNCTION_ADMIN_TOKEN": Self.token], workingDirectory: folder
        )
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("JUNCTION_MASTER_KEY is not set"))
        #expect(missing.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1)

        let oldKey = MasterKey.generate().base64
        let newKey = MasterKey.generate().base64
        var environment = ["JUNCTION_ADMIN_TOKEN": Self.token, "JUNCTION_MASTER_KEY": oldKey]
        var server = try await Server.start(database: test.urlText, environment: environment, workingDirectory: folder)
        let created = try await server.request(.POST, "/api/v1/connections", body: ConnectionsAPITests.createBody)
        let id = try #require(created.json["id"]?.stringValue)
        #expect(try await server.stop() == 0)

        // Roll the node onto the new key with the old one retired: old secrets still open.
        environment["JUNCTION_MASTER_KEY"] = newKey
        environment["JUNCTION_MASTER_KEYS_RETIRED"] = oldKey
        server = try await Server.start(database: test.urlText, environment: environment, workingDirectory: folder)
        #expect(try await server.request(.GET, "/api/v1/connections/\(id)").json["credentials"]?["apiKey"] == "sk_test_…4242")
        let rotate = try await ChildProcess.run(
            ChildProcess.junctionExecutable, arguments: ["keys", "rotate", "--database", test.urlText],
            environment: environment, workingDirectory: folder
        )
        #expect(rotate.status == 0, "\(rotate.standardError)")
        #expect(rotate.standardOutput.contains("re-sealed 1 data key(s)"))
        #expect(try await server.stop() == 0)

        // The retired key can go now.
        environment["JUNCTION_MASTER_KEYS_RETIRED"] = nil
        server = try await Server.start(database: test.urlText, environment: environment, workingDirectory: folder)
        #expect(try await server.request(.GET, "/api/v1/connections/\(id)").json["credentials"]?["apiKey"] == "sk_test_…4242")
        #expect(try await server.stop() == 0)
        try await test.destroy()
    }

    @Test("junction migrate applies the schema once, on both engines", arguments: TestEngine.available)
    func migrateCommand(engine: TestEngine) async throws {
        let test = try await TestDatabase.create(engine)
        let first = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: ["migrate", "--database", test.urlText])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("schema is now at version \(SchemaMigrations.latestVersion)"), "\(first.standardOutput)")
        let second = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: ["migrate", "--database", test.urlText])
        #expect(second.status == 0)
        #expect(second.standardOutput.contains("schema is up to date at version \(SchemaMigrations.latestVersion)"))
        try await test.destroy()
    }

    @Test("bad command-line input exits non-zero with one readable line")
    func badInput() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [([String], [String: String], String)] = [
            (["serve", "--database", "mysql://localhost/x"], [:], "must start with sqlite:// or postgres://"),
            (["serve", "--port", "70000"], [:], "port"),
            (["serve"], ["JUNCTION_PORT": "eighty"], "JUNCTION_PORT"),
            (["serve", "--log-level", "loud"], [:], "log level"),
            (["serve"], ["JUNCTION_MASTER_KEY": "c2hvcnQ="], "32 bytes"),
            // Settings swift-otel would stop the process on.
            (["serve"], ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"], "OTLP/HTTP"),
            (["serve"], ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_PROPAGATORS": "tracecontext,b3"], "'b3'"),
            (["serve"], ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_SAMPLER": "xray"], "OTEL_TRACES_SAMPLER"),
        ]
        func expectOneErrorLine(_ arguments: [String], _ environment: [String: String], mentioning mention: String) async throws {
            let result = try await ChildProcess.run(
                ChildProcess.junctionExecutable, arguments: arguments, environment: environment, workingDirectory: folder
            )
            #expect(result.status != 0, "\(arguments)")
            let errorLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errorLines.count == 1, "\(arguments): \(result.standardError)")
            #expect(errorLines.first?.contains(mention) == true, "\(arguments): \(result.standardError)")
        }
        for (arguments, environment, mention) in cases {
            try await expectOneErrorLine(arguments, environment, mentioning: mention)
        }
        try await ChildProcess.withRefusingPort { taken in
            try await expectOneErrorLine(["serve", "--port", String(taken)], [:], mentioning: "127.0.0.1:\(taken): the address is in use")
            // The pool runs as a service of the server's group; a server nobody answers for stops the start the same way.
            try await expectOneErrorLine(
                ["serve", "--port", "0", "--database", "postgres://junction@127.0.0.1:\(taken)/junction"], ["JUNCTION_MASTER_KEY": MasterKey.generate().base64],
                mentioning: "cannot connect to PostgreSQL at 127.0.0.1:\(taken)")
        }
        let help = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: ["serve", "--help"], workingDirectory: folder)
        for option in [
            "--host", "--port", "--database", "--allow-private-endpoints", "--tls-certificate", "--tls-key", "--outbound-hosts",
            "JUNCTION_MASTER_KEY", "JUNCTION_ADMIN_TOKEN", "SIGTERM", "OTEL_EXPORTER_OTLP_ENDPOINT",
        ] {
            #expect(help.standardOutput.contains(option), "serve --help explains \(option)")
        }
    }
}
