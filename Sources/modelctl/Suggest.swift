import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank the models that could stand in for one, for a job's task, size and GPU memory.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model wanted, as `modelctl status` names it.")
    var model: String

    @OptionGroup var needs: NeedsOptions

    func run() throws {
        var arguments: [String: JSONValue] = ["model": .string(model)]
        if let needs = needs.json { arguments["needs"] = needs }
        try options.run("suggest", arguments, as: SuggestResult.self) { result in
            if result.alternatives.isEmpty {
                Output.line("no model in the catalog can stand in for \(result.model)" + (result.vramGB.map { " on \($0) GB of GPU memory" } ?? ""))
            } else {
                Output.line(Output.table(["MODEL", "READY", "COMPAT", "QUALITY", "FITS", "WHY"], Self.cells(result.alternatives)))
            }
            if let setup = result.setup { Output.line("\n" + setup.message) }
        }
    }

    /// One table row per alternative (also under `acquire`'s not-ready answer).
    static func rows(_ alternatives: [Alternative]) -> [String] {
        Output.table(["MODEL", "READY", "COMPAT", "QUALITY", "FITS", "WHY"], cells(alternatives)).split(separator: "\n").map(String.init)
    }

    private static func cells(_ alternatives: [Alternative]) -> [[String]] {
        alternatives.map { alternative in
            [
                alternative.model, alternative.ready ? "yes" : "no", String(format: "%.2f", alternative.compatibility),
                alternative.quality.rawValue.replacingOccurrences(of: "_", with: " "),
                alternative.fitsVRAM.map { $0 ? "yes" : "no" } ?? "?", alternative.reason,
            ]
        }
    }
}
