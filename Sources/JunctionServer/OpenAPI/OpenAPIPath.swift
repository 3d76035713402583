/// Converts Hummingbird route templates (`/connections/:id`) to OpenAPI ones (`/connections/{id}`).
enum OpenAPIPath {
    static func from(routerPath: String) -> String {
        routerPath.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : segment == "**" ? "{path}" : String(segment)
        }.joined(separator: "/")
    }
}
