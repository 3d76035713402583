import Foundation

/// Where the browser may go after an authorization: only to a URL an allowed entry covers (same scheme, host and
/// port, and a path under the entry's), so the callback cannot be used to send people to an arbitrary site.
enum ReturnURL {
    /// Whether `text` can be an allowed entry: an absolute `https` URL (or `http` to a loopback address), no fragment.
    static func isAllowedEntry(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.fragment == nil, url.user == nil
        else { return false }
        return scheme == "https" || (scheme == "http" && ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()))
    }

    /// Whether `returnTo` is covered by one of `allowed`.
    static func isAllowed(_ returnTo: String, by allowed: [String]) -> Bool {
        guard isAllowedEntry(returnTo), let target = URLComponents(string: returnTo) else { return false }
        return allowed.contains { entry in
            guard let base = URLComponents(string: entry) else { return false }
            guard target.scheme?.lowercased() == base.scheme?.lowercased(), target.host?.lowercased() == base.host?.lowercased(),
                target.port == base.port
            else { return false }
            let prefix = base.path.isEmpty ? "/" : base.path
            let path = target.path.isEmpty ? "/" : target.path
            // "/done/../admin" (or "%2e%2e", which `path` decodes) would leave the entry's path once the browser resolves it.
            guard !path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) else { return false }
            // A path under the entry's: "/done" covers "/done" and "/done/x", not "/doneX"; an entry ending in "/" covers what is below it.
            return path == prefix || path.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
        }
    }

    /// `returnTo` with the outcome added to its query.
    static func adding(_ items: [URLQueryItem], to returnTo: String) -> String {
        guard var url = URLComponents(string: returnTo) else { return returnTo }
        url.queryItems = (url.queryItems ?? []) + items
        return url.string ?? returnTo
    }
}
