/// Shows enough of a secret to recognise it and never enough to use it: `sk_test_4eC39…4242` becomes
/// `sk_test_…4242`. Short secrets show nothing but their presence.
public enum SecretMask {
    /// The masked form of `secret`.
    public static func mask(_ secret: String) -> String {
        let characters = Array(secret)
        guard characters.count >= 12 else { return "••••" }
        var prefix = ""
        if let lastUnderscore = characters.prefix(12).lastIndex(of: "_"), lastUnderscore < characters.count - 8 {
            prefix = String(characters[...lastUnderscore])
        }
        return prefix + "…" + String(characters.suffix(4))
    }
}
