/// Shows enough of a secret to recognise it and never enough to use it: `sk_test_4eC39…4242` becomes
/// `sk_test_…4242`. Short secrets show nothing but their presence.
public enum SecretMask {
    /// The masked form of `secret`.
    public static func mask(_ secret: String) -> String {
        let characters = Array(secret)
        guard characters.count >= 12 else { return "••••" }
        return vendorPrefix(of: characters) + "…" + String(characters.suffix(4))
    }

    /// A vendor tag such as `sk_test_`, `whsec_` or `xoxb-`: lowercase letters in one to three parts, each
    /// closed by `_` or `-`, at most 10 characters, with at least 16 characters after it. Random keys that merely
    /// contain an underscore do not qualify, so no part of their secret body is shown.
    static func vendorPrefix(of characters: [Character]) -> String {
        var end = 0
        var parts = 0
        var index = 0
        while index < min(characters.count, 11), parts < 3 {
            var letters = 0
            while index < characters.count, characters[index].isASCII, characters[index].isLowercase {
                letters += 1
                index += 1
            }
            guard letters > 0, index < characters.count, characters[index] == "_" || characters[index] == "-" else { break }
            index += 1
            parts += 1
            end = index
        }
        guard end > 0, end <= 10, characters.count - end >= 16 else { return "" }
        return String(characters[..<end])
    }
}
