import ArgumentParser
import ModeldCore
import ModeldProtocol

struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One health score, each model's state and integrity, the storage, and what to do next.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    func run() throws {
        try options.run("health", as: HealthResult.self) { Output.line(Self.describe($0)) }
    }

    static func describe(_ health: HealthResult) -> String {
        var lines = ["Health \(health.score)/100"]
        lines.append(Output.table(
            ["MODEL", "STATE", "INTEGRITY", "PINNED"],
            health.models.map { model in
                [model.model, model.state, model.integrity.map { "\(Int(($0 * 100).rounded()))%" } ?? "-", model.pinned ? "yes" : ""]
            }))
        for disk in health.storage {
            lines.append(
                "Disk \(disk.paths[0]): \(ByteSize.format(disk.freeBytes)) free of \(ByteSize.format(disk.totalBytes))"
                    + (disk.low ? " (under \(ByteSize.format(disk.warnBelowBytes)))" : ""))
        }
        if !health.recommendations.isEmpty {
            lines.append("Recommended:")
            lines += health.recommendations.map { item in
                "  \(item.command)  # \(item.why)" + (item.freesBytes.map { ", frees \(ByteSize.format($0))" } ?? "")
            }
        }
        return lines.joined(separator: "\n")
    }
}
