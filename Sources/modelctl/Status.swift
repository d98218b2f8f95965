import ArgumentParser
import ModeldCore
import ModeldProtocol

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every model (or one): state, size, progress, path.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "Only this model.")
    var model: String?

    func run() throws {
        let arguments: [String: JSONValue] = model.map { ["model": .string($0)] } ?? [:]
        try options.run("status", arguments, as: StatusResult.self) { result in
            print(Self.render(result))
        }
    }

    static func render(_ result: StatusResult) -> String {
        let rows = result.models.map { model in
            [model.model, model.state.rawValue, model.sizeBytes.map(ByteSize.format) ?? "?", progress(model), model.path]
        }
        var lines = [Output.table(["MODEL", "STATE", "SIZE", "PROGRESS", "PATH"], rows)]
        for model in result.models {
            for action in model.actions {
                lines.append("  \(model.model): \(action.why) → \(action.command)")
            }
        }
        let free = result.store.freeBytes.map { "\(ByteSize.format($0)) free" } ?? "free space unknown"
        lines.append("store: \(result.store.path) (\(free))")
        return lines.joined(separator: "\n")
    }

    /// "100%" when ready; the share of bytes present when known; "-" otherwise.
    private static func progress(_ model: ModelStatus) -> String {
        if model.ready { return "100%" }
        guard let present = model.presentBytes, let size = model.sizeBytes, size > 0 else { return "-" }
        return "\(Int((Double(present) / Double(size) * 100).rounded(.down)))%"
    }
}
