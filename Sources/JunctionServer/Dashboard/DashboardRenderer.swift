import Foundation
import Hummingbird
import JunctionCore
import Mustache

/// The dashboard's templates and assets, compiled into the binary at build time (``dashboardAssets``, embedded by
/// the EmbedDashboardAssets plugin from `Dashboard/Templates`), so `junction` stays one file with nothing to ship
/// beside it. Templates are Mustache: every `{{value}}` is HTML-escaped, and only server-built SVG is inserted raw.
struct DashboardRenderer: Sendable {
    private let library: MustacheLibrary

    /// Parses every template once; a template that does not parse is a build mistake, reported at start.
    init() throws {
        var library = MustacheLibrary()
        for (name, text) in dashboardAssets where name.hasSuffix(".mustache") {
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        self.library = library
    }

    /// An asset's text and media type, for `/ui/static/NAME`.
    static func asset(named name: String) -> (text: String, contentType: String)? {
        guard let text = dashboardAssets[name] else { return nil }
        if name.hasSuffix(".css") { return (text, "text/css; charset=utf-8") }
        if name.hasSuffix(".js") { return (text, "text/javascript; charset=utf-8") }
        return nil
    }

    /// The page `template` shows for `page` (any value: a struct, a dictionary, JSON converted by ``TemplateValue``),
    /// inside the layout with the navigation and the session's CSRF token.
    func render(_ template: String, page: Any, chrome: DashboardChrome, status: HTTPResponse.Status = .ok) -> Response {
        var context: [String: Any] = ["page": Self.compact(page), "signedIn": chrome.csrf != nil, "nav": chrome.navigation]
        context["csrf"] = chrome.csrf
        context["notice"] = chrome.notice
        context["refresh"] = chrome.refresh
        let html = library.render(context, withTemplate: template) ?? "template \(template) is missing"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension DashboardRenderer {
    /// `value` with empty strings and JSON nulls left out of its dictionaries, at any depth: Mustache renders a section
    /// for any value present, an empty string included, so an absent member is how a template tests for "none".
    static func compact(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            return dictionary.compactMapValues { member -> Any? in
                if let text = member as? String, text.isEmpty { return nil }
                return compact(member)
            }
        case let array as [Any]:
            return array.map(compact)
        default:
            return value
        }
    }
}

/// What every page's frame shows: the navigation with the current section, the session's CSRF token (nil when
/// signed out), and a notice after an action.
struct DashboardChrome {
    var csrf: String?
    var section: String?
    var notice: String?
    /// Seconds after which the page reloads itself (a sync run in progress).
    var refresh: Int?

    /// The sections, in menu order.
    static let sections: [(label: String, path: String)] = [
        ("Overview", "/ui"), ("Connections", "/ui/connections"), ("Syncs", "/ui/syncs"), ("Conflicts", "/ui/conflicts"),
        ("Events", "/ui/events"), ("Endpoints", "/ui/endpoints"), ("Alerts", "/ui/alerts"), ("Jobs", "/ui/jobs"),
    ]

    var navigation: [[String: Any]] {
        Self.sections.map { ["label": $0.label, "href": $0.path, "current": $0.path == section] }
    }
}

/// JSON (the management API's own output, so the dashboard shows and masks exactly what the API does) as values
/// Mustache reads: objects as dictionaries, whole numbers without a fraction.
enum TemplateValue {
    static func from(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag
        case .number(let number): return number.rounded() == number && abs(number) < 1e15 ? Int(number) : number
        case .integer(let integer): return integer
        case .string(let text): return text
        case .array(let items): return items.map(from)
        case .object(let members): return members.mapValues(from)
        }
    }

    /// A value of a generated API type.
    static func of(_ encodable: some Encodable) throws -> Any {
        from(try json(encodable))
    }

    /// A value of a generated API type as JSON, with the API's member names and ISO 8601 times.
    static func json(_ encodable: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONValue.parse(String(decoding: try encoder.encode(encodable), as: UTF8.self))
    }
}
