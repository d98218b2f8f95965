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
        for model in result.models where !model.ready {
            let details = Self.details(model)
            guard !details.isEmpty else { continue }
            lines.append("")
            lines.append("\(model.model): \(model.reason ?? model.state.rawValue)")
            lines += details.map { "  " + $0 }
        }
        if let setup = result.setup {
            lines.append("")
            lines.append(setup.message)
        }
        let free = result.store.freeBytes.map { "\(ByteSize.format($0)) free" } ?? "free space unknown"
        lines.append("store: \(result.store.path) (\(free))")
        return lines.joined(separator: "\n")
    }

    /// What is wrong with a model and what to do, a line each.
    static func details(_ model: ModelStatus) -> [String] {
        var lines: [String] = []
        for damage in model.files?.corrupted ?? [] {
            let ranges = damage.damagedRanges.prefix(3).map { "\(ByteSize.format($0.start))–\(ByteSize.format($0.end))" }
            lines.append("damaged: \(damage.path) (\(damage.reason); bytes \(ranges.joined(separator: ", "))\(damage.damagedRanges.count > 3 ? ", …" : ""))")
        }
        let missing = model.files?.missing ?? []
        for path in missing.prefix(5) { lines.append("missing: \(path)") }
        if missing.count > 5 { lines.append("missing: … and \(missing.count - 5) more (modelctl status \(model.model) --json lists them)") }
        for action in model.actions { lines.append("→ \(action.command)   (\(action.why))") }
        return lines
    }

    /// "100%" when ready; the share of bytes present when known; "-" otherwise.
    private static func progress(_ model: ModelStatus) -> String {
        if model.ready { return "100%" }
        guard let present = model.presentBytes, let size = model.sizeBytes, size > 0 else { return "-" }
        return "\(Int((Double(present) / Double(size) * 100).rounded(.down)))%"
    }
}
