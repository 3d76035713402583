import ArgumentParser
import Foundation
import JunctionAPI
import JunctionApp
import JunctionServer

/// `junction apply FILE`: reconciles a running server to a configuration file through the management API.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Reconcile a server's integrations, connections, endpoints and syncs to a configuration file.",
        discussion: """
            The file is checked here first (as `junction config validate` does) and its ${env:…} and ${file:…} \
            references are read on this machine; the server then plans the changes, prints them, and carries them \
            out unless --dry-run. Entries unchanged since they were last applied are left alone; with --prune, what an \
            earlier apply made and the file no longer names is deleted (never anything made another way). Example:

              junction apply junction.yaml --dry-run
              junction apply junction.yaml --prune
            """
    )

    @Argument(help: "The configuration file (YAML).") var file: String
    @Flag(name: .long, help: "Print the plan and change nothing.") var dryRun = false
    @Flag(name: .long, help: "Delete what an earlier apply made and the file no longer names.") var prune = false
    @Flag(name: .long, help: "Set every entry again, even one unchanged since it was last applied (undoes changes made by hand).")
    var force = false
    @OptionGroup var server: ServerOptions
    @Flag(name: .long, help: "Print the plan as JSON.") var json = false

    func run() async throws {
        let loaded = try ConfigCommand.load(file)
        let body: Components.Schemas.ConfigurationDocument
        do {
            body = try loaded.document().body
        } catch {
            throw CLIError("\(error)")
        }
        let plan = try await server.client().run { api in
            try await api.applyConfiguration(query: .init(dryRun: dryRun, prune: prune, force: force), body: .json(body)).ok.body.json
        }
        if json { return try JSONOutput.print(try JSONOutput.value(of: plan)) }
        let symbols: [Components.Schemas.ConfigurationStep.ActionPayload: String] = [.create: "+", .update: "~", .delete: "-", .unchanged: "="]
        for step in plan.steps where step.action != .unchanged || plan.steps.count <= 50 {
            let id = step.resourceId.map { " (\($0))" } ?? ""
            let reason = step.reason.map { ": \($0)" } ?? ""
            print("\(symbols[step.action] ?? "?") \(step.kind.rawValue) \(step.name)\(id) \(step.action.rawValue)\(reason)")
        }
        let unchanged = plan.steps.count - plan.changes
        let verb = plan.applied ? "applied" : "planned (dry run, nothing changed)"
        print("\(plan.changes) \(plan.changes == 1 ? "change" : "changes") \(verb); \(unchanged) unchanged")
    }
}
