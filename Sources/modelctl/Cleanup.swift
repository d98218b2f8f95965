import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Cleanup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what can be removed to free space, and remove it when asked. Admin.",
        discussion: """
            Lists stale partial downloads, replaced revisions and then the least recently \
            used models, until --target-free is free (default: [disk] warn_below). Pinned \
            and leased models are never removed; they are listed as kept, with why. On a terminal it asks before removing \
            anything; --yes removes without asking; --dry-run only lists.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Option(help: "Free space to reach, like 200GB or 1TiB.", transform: { text in
        guard let size = ByteSize(parsing: text) else { throw ValidationError("'\(text)' is not a size like 200GB or 500GiB") }
        return size.bytes
    })
    var targetFree: Int64?

    @Flag(help: "Only list; remove nothing.")
    var dryRun = false

    @Flag(help: "Remove without asking.")
    var yes = false

    func run() throws {
        var arguments: [String: JSONValue] = ["dry_run": .bool(true)]
        if let targetFree { arguments["target_free_bytes"] = .number(Double(targetFree)) }
        // Without --yes, only a person at a terminal can say yes.
        let mayAsk = !options.json && isatty(STDIN_FILENO) == 1
        if dryRun || (!yes && !mayAsk) {
            try options.run("cleanup", arguments, as: CleanupResult.self) { plan in
                Output.line(Self.describe(plan))
                if !dryRun, !plan.candidates.isEmpty { Output.line("Nothing removed: run with --yes to remove these.") }
            }
            return
        }
        if !yes {
            let plan = try options.call("cleanup", arguments).1.decode(CleanupResult.self)
            Output.line(Self.describe(plan))
            guard !plan.candidates.isEmpty else { return }
            guard Evict.confirm("Remove these, freeing \(ByteSize.format(plan.freedBytes))? [y/N] ") else {
                Output.error("modelctl: nothing removed")
                throw ExitCode(ExitStatus.daemonError)
            }
        }
        arguments["dry_run"] = .bool(false)
        var failed = false
        try options.run("cleanup", arguments, as: CleanupResult.self) { result in
            Output.line(Self.describe(result))
            failed = !result.failures.isEmpty
        }
        if failed { throw ExitCode(ExitStatus.daemonError) }
    }

    /// One line per candidate with its size and reason; then the models kept and why.
    static func describe(_ result: CleanupResult) -> String {
        var lines: [String] = []
        let free = "\(ByteSize.format(result.freeBytes)) free, target \(ByteSize.format(result.targetFreeBytes))"
        if result.candidates.isEmpty {
            lines.append("Nothing to remove (\(free)).")
        } else {
            lines.append(result.dryRun ? "Would remove (\(free)):" : "Removed (\(free) before):")
            lines += result.candidates.map { candidate in
                let what =
                    switch candidate.kind {
                    case .model: candidate.model ?? "?"
                    case .oldRevision: "\(candidate.repo ?? "?") @ \(candidate.commit?.prefix(7) ?? "?")"
                    case .partialFile: (candidate.paths.first as NSString?)?.lastPathComponent ?? "?"
                    }
                return "  \(ByteSize.format(candidate.bytes).padding(toLength: 10, withPad: " ", startingAt: 0)) \(what): \(candidate.reason)"
            }
            lines.append("\(result.dryRun ? "Would free" : "Freed") \(ByteSize.format(result.freedBytes)).")
        }
        lines += result.kept.map { "  kept \($0.model): \($0.why)" }
        lines += result.failures.map { "  failed: \($0)" }
        return lines.joined(separator: "\n")
    }
}
