import PackagePlugin

/// Compiles the target's `openapi.yaml` into the module as text, so `/openapi.json` serves the very document the
/// generator read, from the binary alone (no resource bundle to ship beside it).
@main
struct EmbedOpenAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let source = target.sourceModule?.sourceFiles.first(where: { $0.url.lastPathComponent == "openapi.yaml" })?.url else {
            return []
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocumentText.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(source.lastPathComponent) in \(target.name)",
                executable: try context.tool(named: "EmbedText").url,
                arguments: [source.path(), output.path(), "openAPIDocumentYAML"],
                inputFiles: [source],
                outputFiles: [output]
            )
        ]
    }
}
