import Foundation
import JunctionServer

/// `junction serve`'s options resolved through ``OptionLayers`` (flag, environment, configuration file, default) and
/// checked, each mistake named by its option.
struct ServeSettings: Equatable {
    var host: String
    var port: Int
    var publicURL: String?
    var allowPrivateEndpoints: Bool
    var tlsCertificate: String?
    var tlsKey: String?
    var outboundHosts: Set<String>?
    var connectorDefinitions: String?
    var webhookIngress: WebhookIngressLimits
    var jobConcurrency: Int
    var jobLeaseSeconds: Int
    var syncOverlapSeconds: Int

    /// The webhook listener's limits, the options a running server takes on SIGHUP beside the log level.
    struct WebhookIngressLimits: Equatable {
        var sourceRateLimit: Double
        var connectionRateLimit: Double
        var maximumBodyBytes: Int

        var configuration: WebhookIngressConfiguration {
            WebhookIngressConfiguration(
                sourceRateLimit: sourceRateLimit, connectionRateLimit: connectionRateLimit, maximumBodyBytes: maximumBodyBytes)
        }
    }

    init(_ layers: OptionLayers) throws {
        host = layers.string("host") ?? "127.0.0.1"
        port = try Self.integer(layers, "port", default: 8080, in: 0...65535)
        publicURL = layers.string("publicUrl")
        allowPrivateEndpoints = try Self.flag(layers, "allowPrivateEndpoints")
        tlsCertificate = layers.string("tlsCertificate")
        tlsKey = layers.string("tlsKey")
        outboundHosts = layers.string("outboundHosts").map { list in
            Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        connectorDefinitions = layers.string("connectorDefinitions")
        webhookIngress = WebhookIngressLimits(
            sourceRateLimit: try Self.rate(layers, "webhookSourceRateLimit"),
            connectionRateLimit: try Self.rate(layers, "webhookConnectionRateLimit"),
            maximumBodyBytes: try Self.integer(layers, "webhookMaxBodyBytes", default: 1024 * 1024, in: 1...(64 * 1024 * 1024)))
        jobConcurrency = try Self.integer(layers, "jobConcurrency", default: 16, in: 0...1024)
        jobLeaseSeconds = try Self.integer(layers, "jobLeaseSeconds", default: 30, in: 5...3600)
        syncOverlapSeconds = try Self.integer(layers, "syncOverlapSeconds", default: 60, in: 0...86_400)
    }

    /// Where an option can be set, for messages: its flag, its environment variable and its name in the file.
    static func flagName(_ name: String) -> String {
        let words = name.reduce(into: "") { text, character in
            text += character.isUppercase ? "-" + character.lowercased() : String(character)
        }
        let flag = name == "databaseUrl" ? "--database" : "--" + words
        return "\(flag) (JUNCTION_\(words.uppercased().replacingOccurrences(of: "-", with: "_")), server.\(name))"
    }

    private static func integer(_ layers: OptionLayers, _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = layers.string(name) else { return value }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw CLIError("\(flagName(name)) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    private static func rate(_ layers: OptionLayers, _ name: String) throws -> Double {
        guard let text = layers.string(name) else { return 1000 }
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number > 0, number <= 1_000_000 else {
            throw CLIError("\(flagName(name)) must be a number of requests per second greater than 0, not '\(text)'")
        }
        return number
    }

    private static func flag(_ layers: OptionLayers, _ name: String) throws -> Bool {
        guard let text = layers.string(name)?.lowercased() else { return false }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw CLIError("\(flagName(name)) must be true or false, not '\(text)'")
        }
    }
}
