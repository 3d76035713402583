import JunctionCore

extension DeprecationNotice {
    /// The notice in `answer`'s headers, `nil` when it has none (the usual case, found with three header lookups).
    public init?(_ answer: some ProviderAnswer) {
        let deprecation = answer.header("Deprecation")
        let sunset = answer.header("Sunset")
        let link = answer.header("Link").flatMap { $0.contains("deprecation") || $0.contains("sunset") ? $0 : nil }
        guard deprecation != nil || sunset != nil || link != nil else { return nil }
        self.init(deprecation: deprecation, sunset: sunset, link: link)
        guard deprecated || sunsetAt != nil || self.link != nil else { return nil }
    }
}
