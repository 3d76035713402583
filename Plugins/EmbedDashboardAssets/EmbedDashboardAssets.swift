import Foundation
import PackagePlugin

/// Compiles the dashboard's templates, stylesheet and script (`Dashboard/Templates` in the target) into the module as
/// one dictionary, `dashboardAssets` (file name to text), so the `junction` binary serves `/ui` with nothing beside
/// it: a resource bundle would have to be shipped next to the executable, and a copied binary would lose it.
@main
struct EmbedDashboardAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let folder = module.directoryURL.appending(path: "Dashboard/Templates")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path())) ?? []
        let inputs = names.filter { [".mustache", ".css", ".js"].contains(where: $0.hasSuffix) }.sorted().map { folder.appending(path: $0) }
        guard !inputs.isEmpty else { return [] }
        let output = context.pluginWorkDirectoryURL.appending(path: "DashboardAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) dashboard assets in \(target.name)",
                executable: try context.tool(named: "EmbedText").url,
                arguments: ["--files", output.path(), "dashboardAssets"] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
