import Foundation
import NIOSSL

/// The certificate chain and private key `junction serve` terminates TLS with (`--tls-certificate`, `--tls-key`),
/// both PEM files. Behind a reverse proxy that terminates TLS, neither is needed.
public struct TLSFiles: Sendable {
    /// A TLS file that could not be used, with which file and why.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        /// One line for the person starting the server.
        public var description: String
    }

    /// The PEM file with the server's certificate, followed by any intermediates.
    public var certificateChain: String
    /// The PEM file with the certificate's private key.
    public var privateKey: String

    /// TLS from these two files.
    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// The server's TLS configuration (TLS 1.2 or later, HTTP/1.1 offered by ALPN), read from the files now so a
    /// mistake stops the start with its reason rather than failing every handshake later.
    public func configuration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChain)
        } catch {
            throw LoadError(description: "cannot read a PEM certificate from --tls-certificate \(certificateChain): \(error)")
        }
        guard !chain.isEmpty else { throw LoadError(description: "--tls-certificate \(certificateChain) holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
        } catch {
            // The key's contents never go in the message.
            throw LoadError(description: "cannot read a PEM private key from --tls-key \(privateKey)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        return configuration
    }
}
