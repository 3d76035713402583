import ArgumentParser

/// `junction`: the server and its operator tools in one binary.
@main
struct JunctionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction",
        abstract: "Junction: a self-hosted server for third-party integrations (OAuth, API clients, webhooks, sync).",
        discussion: """
            Start the server with `junction serve`. It keeps its state in an embedded SQLite database by default \
            (.junction/junction.sqlite) or in PostgreSQL when several nodes share the work.
            """,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, KeysCommand.self, JobsCommand.self, ProvidersCommand.self, IntegrationsCommand.self,
            ConnectionsCommand.self, CallCommand.self, SyncsCommand.self, ConflictsCommand.self, AlertsCommand.self,
            EventsCommand.self, EndpointsCommand.self, MessagesCommand.self, DeliveriesCommand.self, ConfigCommand.self, ApplyCommand.self,
        ],
        defaultSubcommand: nil
    )
}
