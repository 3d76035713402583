import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftASN1
import JunctionTestSupport
import Testing
import X509

/// `junction serve --tls-certificate --tls-key` with a certificate the test makes: HTTPS answers, plain HTTP on the same
/// port does not, and a wrong file stops the start with one line.
@Suite("junction serve over TLS", .serialized)
struct TLSServeTests {
    /// A self-signed certificate for 127.0.0.1 and its key, as PEM files in `folder`.
    static func certificate(in folder: String) throws -> (certificate: String, key: String, pem: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("junction test") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now - 3600, notValidAfter: now + 3600,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
        let pem = try certificate.serializeAsPEM().pemString
        let certificatePath = folder + "/server.crt"
        let keyPath = folder + "/server.key"
        try pem.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certificatePath, keyPath, pem)
    }

    @Test("HTTPS is served with the given certificate; plain HTTP on the TLS port gets no answer")
    func servesTLSOnly() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try Self.certificate(in: folder)
        let server = try await ServeProcessTests.Server.start(
            workingDirectory: folder, extraArguments: ["--tls-certificate", files.certificate, "--tls-key", files.key])

        // The client trusts only the test's certificate, so an answer proves the server presented it.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(files.pem.utf8)))
        tls.certificateVerification = .noHostnameVerification
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let secure = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/health/live"), timeout: .seconds(10))
        #expect(secure.status == .ok)
        let body = try await secure.body.collect(upTo: 1024)
        #expect(String(buffer: body).contains("live"))
        try await client.shutdown()

        // Plain HTTP: the server reads a TLS handshake that is not one and closes the connection.
        await #expect(throws: (any Error).self) {
            let plain = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/health/live"), timeout: .seconds(10))
            _ = try await plain.body.collect(upTo: 1024)
        }
        #expect(try await server.stop() == 0)
    }

    @Test("a certificate without its key, or a file that is not PEM, stops the start with one line")
    func badFiles() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try Self.certificate(in: folder)
        try "not a key".write(toFile: folder + "/bad.key", atomically: true, encoding: .utf8)
        for (arguments, mention) in [
            (["--tls-certificate", files.certificate], "--tls-key"),
            (["--tls-certificate", files.certificate, "--tls-key", folder + "/bad.key"], "private key"),
            (["--tls-certificate", folder + "/bad.key", "--tls-key", files.key], "certificate"),
        ] {
            let result = try await ChildProcess.run(
                ChildProcess.junctionExecutable, arguments: ["serve", "--port", "0"] + arguments, workingDirectory: folder)
            #expect(result.status != 0, "\(arguments)")
            let errorLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errorLines.count == 1, "\(arguments): \(result.standardError)")
            #expect(errorLines.first?.contains(mention) == true, "\(arguments): \(result.standardError)")
            #expect(!result.standardError.contains("not a key"))
        }
    }
}
