import Foundation
import JunctionCore

/// Where the store lives: `sqlite://PATH` for the embedded default, `postgres://user:pass@host:port/db` to scale out.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file on the local disk.
    case sqlite(path: String)
    /// A PostgreSQL server.
    case postgres(PostgresLocation)

    /// The connection details of a PostgreSQL database.
    public struct PostgresLocation: Sendable, Equatable {
        /// The server's host name or address.
        public var host: String
        /// The server's TCP port.
        public var port: Int
        /// The role to connect as.
        public var username: String
        /// The role's password, if the server asks for one.
        public var password: String?
        /// The database name.
        public var database: String
        /// Whether TLS is required (`sslmode=require`).
        public var requireTLS: Bool
    }

    /// The default location, relative to the working directory.
    public static let defaultValue = "sqlite://.junction/junction.sqlite"

    /// Parses a database URL, saying exactly what is wrong when it cannot.
    public init(parsing text: String) throws(DatabaseURLError) {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw .missingPath(text) }
            self = .sqlite(path: path)
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw .unsupportedScheme(Self.redacting(text))
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .malformed(Self.redacting(text))
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw .missingDatabaseName(Self.redacting(text)) }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
        self = .postgres(
            PostgresLocation(
                host: host,
                port: components.port ?? 5432,
                username: components.user?.removingPercentEncoding ?? "postgres",
                password: components.password?.removingPercentEncoding,
                database: database,
                requireTLS: sslMode == "require" || sslMode == "verify-full"
            )
        )
    }

    /// Which engine the URL selects.
    public var dialect: SQLDialectKind {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// The URL with any password replaced, safe to log.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let location): "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)"
        }
    }

    static func redacting(_ text: String) -> String {
        // Done by hand: a password with `/`, `#`, `?` or `%` is exactly what makes URL parsing fail.
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
            at.lowerBound > schemeEnd.upperBound
        else { return text }
        let userInfo = text[schemeEnd.upperBound..<at.lowerBound]
        let user = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        let masked = userInfo.contains(":") ? user + ":***" : String(userInfo)
        return String(text[..<schemeEnd.upperBound]) + masked + String(text[at.lowerBound...])
    }
}

/// The two engines the store runs on.
public enum SQLDialectKind: String, Sendable {
    /// Embedded SQLite: one process.
    case sqlite
    /// PostgreSQL: many processes share one database.
    case postgres
}

/// A database URL that cannot be used, with the reason.
public enum DatabaseURLError: JunctionError, Equatable {
    case unsupportedScheme(String)
    case malformed(String)
    case missingPath(String)
    case missingDatabaseName(String)

    public var title: String { "Invalid database URL" }

    public var detail: String {
        switch self {
        case .unsupportedScheme(let url):
            "database URL '\(url)' must start with sqlite:// or postgres://"
        case .malformed(let url):
            "database URL '\(url)' is not a valid URL; expected postgres://user:password@host:port/database"
        case .missingPath(let url):
            "database URL '\(url)' names no file; expected sqlite://path/to/file.sqlite"
        case .missingDatabaseName(let url):
            "database URL '\(url)' names no database; expected postgres://user:password@host:port/database"
        }
    }
}
