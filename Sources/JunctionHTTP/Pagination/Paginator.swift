import Foundation
import HTTPTypes

/// How a provider links one page of a list to the next.
public enum PaginationStyle: Sendable {
    /// A cursor read from the body is sent back as a query parameter: Stripe's `starting_after` (the last
    /// item's id) or an opaque `next_cursor`. `cursor` reads it from a page; `nil` ends the list.
    case cursor(parameter: String, cursor: @Sendable (APIResponse) -> String?)
    /// Numbered pages from `first`; the list ends at the first page for which `isEmpty` holds.
    case page(parameter: String, first: Int, isEmpty: @Sendable (APIResponse) -> Bool)
    /// An offset advanced by `pageSize` until a page is shorter than it (`count` reads a page's length).
    case offset(parameter: String, pageSize: Int, count: @Sendable (APIResponse) -> Int)
    /// RFC 8288 `Link: <…>; rel="next"` headers (GitHub, HubSpot v1, many REST APIs).
    case linkHeader
    /// A next-page URL in the body, absolute or relative to the request's origin: Salesforce `nextRecordsUrl`.
    case nextURL(@Sendable (APIResponse) -> String?)
    /// A page token in the body sent back as a query parameter: Google's `nextPageToken` / `pageToken`.
    case nextToken(parameter: String, token: @Sendable (APIResponse) -> String?)
}

/// The pages of a list as an `AsyncSequence`: each page is fetched only when the consumer asks for it, so a
/// sync can checkpoint after every page and stop early without fetching the rest.
public struct Paginator: AsyncSequence, Sendable {
    public typealias Element = APIResponse

    let first: APIRequest
    let style: PaginationStyle
    let maximumPages: Int
    let fetch: @Sendable (APIRequest) async throws -> APIResponse

    /// Pages from `first`, fetched with `fetch` (usually ``APIClient/execute(_:policy:fallback:)`` with the
    /// connection's credentials), at most `maximumPages`.
    public init(
        first: APIRequest,
        style: PaginationStyle,
        maximumPages: Int = 10_000,
        fetch: @escaping @Sendable (APIRequest) async throws -> APIResponse
    ) {
        self.first = first
        self.style = style
        self.maximumPages = maximumPages
        self.fetch = fetch
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(next: first, style: style, remaining: maximumPages, pageNumber: nil, offset: 0, fetch: fetch)
    }

    /// Fetches pages one at a time.
    public struct Iterator: AsyncIteratorProtocol {
        var next: APIRequest?
        let style: PaginationStyle
        var remaining: Int
        var pageNumber: Int?
        var offset: Int
        let fetch: @Sendable (APIRequest) async throws -> APIResponse

        public mutating func next() async throws -> APIResponse? {
            guard let request = next, remaining > 0 else { return nil }
            remaining -= 1
            var current = request
            if case .page(let parameter, let first, _) = style {
                let number = pageNumber ?? first
                current.url = Self.setting(parameter, to: String(number), in: current.url)
                pageNumber = number + 1
            }
            if case .offset(let parameter, _, _) = style {
                current.url = Self.setting(parameter, to: String(offset), in: current.url)
            }
            let response = try await fetch(current)
            next = nextRequest(after: response, request: current)
            if case .page(_, _, let isEmpty) = style, isEmpty(response) { return nil }
            return response
        }

        private mutating func nextRequest(after response: APIResponse, request: APIRequest) -> APIRequest? {
            var following = request
            switch style {
            case .cursor(let parameter, let cursor):
                guard let value = cursor(response) else { return nil }
                following.url = Self.setting(parameter, to: value, in: request.url)
            case .page:
                break
            case .offset(_, let pageSize, let count):
                guard count(response) >= pageSize else { return nil }
                offset += pageSize
            case .linkHeader:
                guard let link = LinkHeader.next(in: response.headers[.init("Link")!]) else { return nil }
                following.url = Paginator.resolve(link, against: request.url)
                guard following.host == request.host else { return nil }
            case .nextURL(let locate):
                guard let url = locate(response), !url.isEmpty else { return nil }
                following.url = Paginator.resolve(url, against: request.url)
                // A next page on another host would receive this connection's credentials: stop instead.
                guard following.host == request.host else { return nil }
            case .nextToken(let parameter, let token):
                guard let value = token(response), !value.isEmpty else { return nil }
                following.url = Self.setting(parameter, to: value, in: request.url)
            }
            return following
        }

        static func setting(_ name: String, to value: String, in url: String) -> String {
            guard var components = URLComponents(string: url) else { return url }
            var items = (components.queryItems ?? []).filter { $0.name != name }
            items.append(URLQueryItem(name: name, value: value))
            components.queryItems = items
            return components.string ?? url
        }

    }

    /// `reference` (a next-page link, absolute or relative) as an absolute URL against the request's `base`.
    public static func resolve(_ reference: String, against base: String) -> String {
        guard let baseURL = URL(string: base), let resolved = URL(string: reference, relativeTo: baseURL) else { return reference }
        return resolved.absoluteString
    }
}

/// Parses RFC 8288 `Link` headers.
public enum LinkHeader {
    /// The target of the `rel="next"` link, if any.
    public static func next(in value: String?) -> String? {
        guard let value else { return nil }
        for link in value.split(separator: ",") {
            let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = parts.dropFirst().contains { parameter in
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return pair.count == 2 && pair[0].lowercased() == "rel"
                    && pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ").contains("next")
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}
