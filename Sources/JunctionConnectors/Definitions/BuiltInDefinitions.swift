/// The declarative definitions Junction ships, as YAML text: compiled into the binary (one file to deploy), and
/// printed by `junction providers show NAME --definition` as a starting point for new connectors.
public enum BuiltInDefinitions {
    /// Every built-in definition's YAML, by provider name.
    public static let all: [String: String] = ["stripe": stripe, "hubspot": hubspot, "erpnext": erpnext]
}
