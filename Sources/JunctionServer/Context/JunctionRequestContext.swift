import Hummingbird
import JunctionAuth
import Logging
import NIOCore

/// The request context of every Junction route.
public struct JunctionRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer's address, for rate limits and logs.
    public let remoteAddress: SocketAddress?
    /// The connection a webhook's path names, when the application's responder matched it (``JunctionResponder``):
    /// handed over here rather than through the router's parameters, whose generic dictionary showed in profiles.
    var webhookConnectionID: Substring?
    /// The dashboard session a `/ui` request was made in, once ``DashboardSessionMiddleware`` found it.
    var dashboardSession: DashboardSessions.Session?
    /// A dashboard form's fields, read and CSRF-checked by ``DashboardSessionMiddleware``.
    var dashboardForm: [String: String] = [:]

    /// A context for a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Largest JSON body the management API accepts; bigger requests get 413.
    public var maxUploadSize: Int { 1024 * 1024 }
}
