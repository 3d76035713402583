import Configuration
import JunctionCore

/// The one precedence order of every server option: a flag, then the environment (`JUNCTION_<NAME>`, the option's
/// name in upper snake case), then the configuration file's `server` section, then the default. swift-configuration
/// resolves it; the file's layer can be replaced while the server runs (SIGHUP).
struct OptionLayers: Sendable {
    /// The options `server` may set, by their name in the file (and, in upper snake case after `JUNCTION_`, in the
    /// environment), with whether a running server takes a change to them without a restart.
    static let names: [String: Bool] = [
        "host": false, "port": false, "publicUrl": false, "databaseUrl": false, "logLevel": true, "logFormat": false,
        "allowPrivateEndpoints": false, "tlsCertificate": false, "tlsKey": false, "outboundHosts": false,
        "connectorDefinitions": false, "webhookSourceRateLimit": true, "webhookConnectionRateLimit": true,
        "webhookMaxBodyBytes": true, "jobConcurrency": false, "jobLeaseSeconds": false, "syncOverlapSeconds": false,
    ]

    private let reader: ConfigReader
    private let file: MutableInMemoryProvider

    /// Layers over the flags given (by option name), the process's environment and the file's `server` section.
    init(flags: [String: String], file section: JSONObject = [:]) {
        let file = MutableInMemoryProvider(name: "configuration file", initialValues: Self.values(of: section))
        self.file = file
        self.reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags.map { (Self.key($0.key), Self.value($0.key, $0.value)) })),
            EnvironmentVariablesProvider(secretsSpecifier: .specific(["JUNCTION_DATABASE_URL"])),
            file,
        ])
    }

    /// The option's value as text, from the first layer that has it.
    func string(_ name: String) -> String? {
        reader.string(forKey: ConfigKey(["junction", name]), isSecret: name == "databaseUrl")
    }

    /// Replaces the file's layer with a new `server` section; returns the options whose value changed (as resolved
    /// through every layer, so a change hidden by a flag or the environment is no change).
    func reload(file section: JSONObject) -> [String] {
        let before = Dictionary(uniqueKeysWithValues: Self.names.keys.map { ($0, string($0)) })
        let values = Self.values(of: section)
        for name in Self.names.keys {
            file.setValue(values[Self.key(name)], forKey: Self.key(name))
        }
        return Self.names.keys.filter { string($0) != before[$0] ?? nil }.sorted()
    }

    private static func key(_ name: String) -> AbsoluteConfigKey {
        AbsoluteConfigKey(["junction", name])
    }

    private static func value(_ name: String, _ text: String) -> ConfigValue {
        ConfigValue(.string(text), isSecret: name == "databaseUrl")
    }

    /// The section's scalars as text, the form every layer shares (the environment has nothing else).
    private static func values(of section: JSONObject) -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, member) in section where names[name] != nil {
            let text: String? =
                switch member {
                case .string(let text): text
                case .bool(let flag): flag ? "1" : "0"
                case .integer(let number): String(number)
                case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
                case .array(let items): items.compactMap(\.stringValue).joined(separator: ",")
                default: nil
                }
            if let text { values[Self.key(name)] = Self.value(name, text) }
        }
        return values
    }
}
