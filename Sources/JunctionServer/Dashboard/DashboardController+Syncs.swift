import Foundation
import Hummingbird
import JunctionAPI
import JunctionCore

/// The sync pages: the list with "run now", a sync with its runs (refreshing while one runs), and the conflict queue
/// with each conflict's base, local and remote side by side and a resolution chosen field by field.
extension DashboardController {
    func addSyncRoutes(to signedIn: RouterGroup<Context>) {
        signedIn.get("syncs", use: syncs)
        signedIn.get("syncs/:id", use: sync)
        signedIn.post("syncs/:id/run", use: runSync)
        signedIn.post("syncs/:id/pause", use: pauseSync)
        signedIn.post("syncs/:id/resume", use: resumeSync)
        signedIn.post("syncs/:id/reset", use: resetSync)
        signedIn.get("conflicts", use: conflicts)
        signedIn.get("conflicts/:id", use: conflict)
        signedIn.post("conflicts/:id/resolve", use: resolveConflict)
    }

    @Sendable func syncs(_ request: Request, context: Context) async throws -> Response {
        let query = DashboardQuery(request)
        let page = try await api.listSyncs(.init(query: .init(limit: 50, cursor: Self.value(query, "cursor")))).ok.body.json
        var view: [String: Any] = ["rows": try page.data.map(TemplateValue.of), "hasRows": !page.data.isEmpty]
        if let next = page.nextCursor { view["next"] = Self.link("/ui/syncs", ["cursor": next]) }
        return renderer.render("syncs", page: view, chrome: chrome(context, "/ui/syncs", request))
    }

    @Sendable func sync(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let sync = try await api.getSync(.init(path: .init(id: id))).ok.body.json
        let runs = try await api.listSyncRuns(.init(path: .init(id: id), query: .init(limit: 20))).ok.body.json.data
        let conflicts = try await api.listConflicts(.init(query: .init(syncId: id, status: .open, limit: 1))).ok.body.json.data
        var view = (try TemplateValue.of(sync) as? [String: Any]) ?? [:]
        view["runs"] = try runs.map(TemplateValue.of)
        view["hasRuns"] = !runs.isEmpty
        view["hasConflicts"] = !conflicts.isEmpty
        var frame = chrome(context, "/ui/syncs", request)
        // While a run is in progress the page follows it: reloaded every two seconds, no script needed.
        if sync.status == .running || runs.first?.status == .running { frame.refresh = 2 }
        return renderer.render("sync", page: view, chrome: frame)
    }

    @Sendable func runSync(_ request: Request, context: Context) async throws -> Response {
        try await syncAction(context, notice: "run-queued") { _ = try await self.api.runSync(.init(path: .init(id: $0), query: .init())).accepted }
    }

    @Sendable func pauseSync(_ request: Request, context: Context) async throws -> Response {
        try await syncAction(context, notice: "paused") { _ = try await self.api.pauseSync(.init(path: .init(id: $0))).ok }
    }

    @Sendable func resumeSync(_ request: Request, context: Context) async throws -> Response {
        try await syncAction(context, notice: "resumed") { _ = try await self.api.resumeSync(.init(path: .init(id: $0))).ok }
    }

    @Sendable func resetSync(_ request: Request, context: Context) async throws -> Response {
        try await syncAction(context, notice: "reset") { _ = try await self.api.resetSync(.init(path: .init(id: $0))).ok }
    }

    /// Runs one action on the sync the path names, then shows its page with the action's notice.
    private func syncAction(_ context: Context, notice: String, _ perform: (String) async throws -> Void) async throws -> Response {
        let id = try Self.id(context)
        try await perform(id)
        return Self.redirect(to: "/ui/syncs/\(Self.pathSegment(id))?notice=\(notice)")
    }

    @Sendable func conflicts(_ request: Request, context: Context) async throws -> Response {
        let query = DashboardQuery(request)
        let statusText = Self.value(query, "status") ?? "open"
        let status = Components.Schemas.SyncConflictStatus(rawValue: statusText)
        let sync = Self.value(query, "sync")
        let page = try await api.listConflicts(
            .init(query: .init(syncId: sync, status: status, limit: 50, cursor: Self.value(query, "cursor")))
        ).ok.body.json
        let rows: [Any] = try page.data.map { conflict in
            var row = (try TemplateValue.of(conflict) as? [String: Any]) ?? [:]
            row["conflicting"] = conflict.fields.filter(\.conflicting).map(\.field).joined(separator: ", ")
            return row
        }
        var view: [String: Any] = [
            "rows": rows, "hasRows": !rows.isEmpty,
            "tabs": Components.Schemas.SyncConflictStatus.allCases.map { state in
                ["label": state.rawValue, "href": Self.link("/ui/conflicts", ["status": state.rawValue, "sync": sync ?? ""]), "current": state == status]
            },
        ]
        if let next = page.nextCursor { view["next"] = Self.link("/ui/conflicts", ["status": statusText, "sync": sync ?? "", "cursor": next]) }
        return renderer.render("conflicts", page: view, chrome: chrome(context, "/ui/conflicts", request))
    }

    @Sendable func conflict(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let conflict = try await api.getConflict(.init(path: .init(id: id))).ok.body.json
        var view = (try TemplateValue.of(conflict) as? [String: Any]) ?? [:]
        view["open"] = conflict.status == .open
        view["fields"] = conflict.fields.map { field -> [String: Any] in
            [
                "field": field.field, "base": Self.compactJSON(field.base), "local": Self.compactJSON(field.local),
                "remote": Self.compactJSON(field.remote), "changedLocally": field.changedLocally, "changedRemotely": field.changedRemotely,
                // What the edit box starts with: the local value, or JSON null where the local side has none.
                "edit": field.local.flatMap { try? $0.serialized() } ?? "null",
                "conflicting": field.conflicting, "bothChanged": field.changedLocally && field.changedRemotely,
                // Where only one side changed, that side's value is the merge; where both did, the local one is offered first.
                "suggestLocal": field.changedLocally || !field.changedRemotely,
            ]
        }
        return renderer.render("conflict", page: view, chrome: chrome(context, "/ui/conflicts", request))
    }

    /// Resolves with the record the form chose field by field: each field's `take.FIELD` is `local`, `remote` or
    /// `edit` (then `value.FIELD` holds the JSON), over the provider's record for the fields not in question.
    @Sendable func resolveConflict(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let conflict = try await api.getConflict(.init(path: .init(id: id))).ok.body.json
        let form = context.dashboardForm
        var record = conflict.remote ?? conflict.local ?? JSONObject()
        for field in conflict.fields {
            let chosen: JSONValue?
            switch form["take." + field.field] ?? "remote" {
            case "local": chosen = field.local
            case "edit":
                let text = form["value." + field.field] ?? ""
                do {
                    chosen = try JSONValue.parse(text)
                } catch {
                    throw DashboardError.invalid("The value given for \(field.field) is not JSON (write text in quotes: \"Ada\").")
                }
            default: chosen = field.remote
            }
            record[field.field] = chosen
        }
        _ = try await api.resolveConflict(
            .init(path: .init(id: id), body: .json(.init(record: record, resolvedBy: "dashboard")))
        ).accepted
        return Self.redirect(to: "/ui/conflicts/\(Self.pathSegment(id))?notice=resolved")
    }

    /// A field's value as one line of JSON, or "(absent)" for a field that side does not have. Never empty: Mustache
    /// would look an empty member up in the enclosing conflict, whose `base`, `local` and `remote` are whole records.
    static func compactJSON(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        return (try? value.serialized()) ?? "(absent)"
    }
}
