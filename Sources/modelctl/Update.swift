import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check for new revisions and apply them (no model: every model). Admin.",
        discussion: """
            Prints each model's current and latest commit and what the update would fetch, \
            then waits until each update started is applied or failed (the current revision \
            stays in use meanwhile). --check only asks the hub. With --json: the result, then \
            each update event, one JSON object per line.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it (default: every model).")
    var model: String?

    @Flag(help: "Only ask the hub; apply nothing.")
    var check = false

    @Flag(help: "Apply even outside [updates] window.")
    var now = false

    @Flag(help: "Start the updates and return at once.")
    var noWait = false

    func run() throws {
        var arguments: [String: JSONValue] = ["check_only": .bool(check), "now": .bool(now)]
        if let model { arguments["model"] = .string(model) }
        // Subscribed first, on its own connection: no event after the command is missed.
        let subscription = check || noWait ? nil : try options.call("subscribe", ["topics": .array([.string("update")])]).0
        let (_, response) = try options.call("update", arguments)
        if options.json { Output.json(response.result ?? .null) }
        let result = try response.decode(UpdateResult.self)
        if !options.json { Output.line(Self.table(result)) }
        let started = Set(result.models.filter(\.applied).map(\.model))
        guard let subscription, !started.isEmpty else { return }
        if !options.json { Output.line("updating \(started.sorted().joined(separator: ", ")); the current revisions stay in use until each switch") }
        var waiting = started
        var failed = false
        // One bar: the bytes of every update under way.
        var bytes: [String: (done: Int64, total: Int64, speed: Int64, eta: Int64?)] = [:]
        let display = ProgressDisplay(mode: Output.isTerminal ? .terminal : .plain)
        while !waiting.isEmpty, let line = try options.reading({ () throws(ControlClientError) in try subscription.readLine() }) {
            if options.json { Output.line(String(decoding: line, as: UTF8.self)) }
            guard let read = try? ClientEvent(line: line), let event = read.event?.payload else { continue }
            var step = DownloadFollower.Step()
            switch event {
            case .updateProgress(let model, _, let done, let total, let speed, let eta) where waiting.contains(model):
                bytes[model] = (done, total, speed, eta)
                let all = bytes.values
                step.progress = DownloadProgress(
                    model: "", bytesDone: all.reduce(0) { $0 + $1.done }, bytesTotal: all.reduce(0) { $0 + $1.total },
                    bytesPerSecond: all.reduce(0) { $0 + $1.speed }, etaSeconds: all.compactMap(\.eta).max())
            case .update(.applied, let model, _, let latest, _) where waiting.contains(model):
                waiting.remove(model)
                step.lines = ["\(model): now on \(latest.prefix(12))"]
            case .update(.failed, let model, _, let latest, let reason) where waiting.contains(model):
                waiting.remove(model)
                failed = true
                step.lines = ["\(model): the update to \(latest.prefix(12)) failed: \(reason ?? "?")", "hint: modelctl update \(model) tries again"]
            default:
                continue
            }
            if !options.json { display.show(step) }
        }
        if !options.json { display.finish(complete: !failed) }
        if failed { throw ExitCode(ExitStatus.daemonError) }
    }

    /// model · current → latest · files changed · to fetch · note.
    static func table(_ result: UpdateResult) -> String {
        let rows = result.models.map { entry -> [String] in
            let update = entry.update
            let current = entry.current.map { String($0.prefix(12)) } ?? "-"
            let latest = update.latest.map { String($0.prefix(12)) } ?? "-"
            let note = entry.note
                ?? (update.state == "failed" ? "last try failed: \(update.error?.message ?? "?")"
                    : !update.available ? "up to date"
                    : update.fits == false ? "does not fit the disk" : entry.applied ? "updating" : "available")
            return [
                entry.model, update.available ? "\(current) → \(latest)" : current,
                update.available ? "\(update.filesChanged ?? 0)" : "-",
                update.available ? ByteSize.format(update.bytesToFetch ?? 0) : "-", note,
            ]
        }
        return Output.table(["MODEL", "REVISION", "FILES", "TO FETCH", ""], rows)
    }
}

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Switch a model back to the revision its last update replaced, at once. Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    func run() throws {
        try options.run("rollback", ["model": .string(model)], as: RollbackResult.self) { result in
            Output.line("\(result.model): rolled back \(result.from.prefix(12)) → \(result.to.prefix(12))")
        }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A model's revisions: when each became current, and why.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    func run() throws {
        try options.run("history", ["model": .string(model)], as: HistoryResult.self) { result in
            guard !result.revisions.isEmpty else {
                Output.line("\(result.model): on \(result.current.map { String($0.prefix(12)) } ?? "no revision yet"); never switched")
                return
            }
            Output.line(Output.table(["SWITCHED", "COMMIT", "FROM", "WHY"], result.revisions.map { change in
                [Timestamp.rfc3339(change.switched), String(change.commit.prefix(12)), change.previous.map { String($0.prefix(12)) } ?? "-", change.why]
            }))
        }
    }
}
