import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol
import Synchronization

struct Acquire: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask for a model before a generation job; print its path when it is ready.",
        discussion: """
            Only the path (the snapshot folder of the commit leased, which no update \
            moves) goes to stdout, so a script can write \
            `ckpt=$(modelctl acquire ti2v-5B --wait 3600) || exit`. When the model is not \
            ready, what to do instead (wait, an alternative model, or mock output only) and \
            the command that fixes it go to stderr, and the exit status is 1. While it waits, \
            progress goes to stderr. The lease modeld gives ends when modelctl exits: a \
            service that must keep the files from eviction during its job acquires on a \
            connection of its own (see the protocol reference).
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    @Option(help: "Seconds to wait for it to become ready (default: answer at once).")
    var wait: Double = 0

    @OptionGroup var needs: NeedsOptions

    func run() throws {
        var arguments: [String: JSONValue] = ["model": .string(model), "wait_s": .number(wait)]
        if let needs = needs.json { arguments["needs"] = needs }
        let progress = wait > 0 && !options.json ? AcquireProgress.start(model: model, socket: options.socketPath) : nil
        let (_, response) = try options.call("acquire", arguments)
        progress?.stop()
        let result = try response.decode(AcquireResult.self)
        if options.json {
            Output.json(response.result ?? .null)
        } else if result.ready, let path = result.path {
            Output.line(path)
        } else {
            Output.error(Self.describe(result))
        }
        if !result.ready { throw ExitCode(ExitStatus.daemonError) }
    }

    /// The not-ready answer for a person: what is going on, the alternatives, the fix.
    static func describe(_ result: AcquireResult) -> String {
        var lines = ["\(result.model) is not ready: \(result.strategy?.rawValue ?? "unknown")"]
        if let message = result.message { lines.append(message) }
        let alternatives = result.alternatives ?? []
        if !alternatives.isEmpty {
            lines.append("alternatives:")
            lines.append(contentsOf: Suggest.rows(alternatives).map { "  " + $0 })
        }
        if let hint = result.hint { lines.append("hint: \(hint)") }
        return lines.joined(separator: "\n")
    }
}

/// `--task`, `--resolution`, `--vram-gb`: what the job needs, for alternatives.
struct NeedsOptions: ParsableArguments {
    @Option(help: "The task the job runs (t2v, i2v, ti2v, s2v, animate).")
    var task: String?

    @Option(help: "The output size, as Wan2.2's --size writes it (1280*720).")
    var resolution: String?

    @Option(name: .customLong("vram-gb"), help: "The GPU memory the job can use, in GB.")
    var vramGB: Int?

    var json: JSONValue? {
        var fields: [String: JSONValue] = [:]
        if let task { fields["task"] = .string(task) }
        if let resolution { fields["resolution"] = .string(resolution) }
        if let vramGB { fields["vram_gb"] = .number(Double(vramGB)) }
        return fields.isEmpty ? nil : .object(fields)
    }
}

/// The progress of what `acquire --wait` waits for, on stderr, from a subscription read
/// on a thread of its own while the main thread waits for the answer.
final class AcquireProgress: Sendable {
    private let display: Mutex<ProgressDisplay?>

    private init(mode: ProgressDisplay.Mode) { display = Mutex(ProgressDisplay(mode: mode, output: STDERR_FILENO)) }

    /// Follows the model's events until `stop()`. Best effort: without a subscription
    /// the wait goes on without progress.
    static func start(model: String, socket: String) -> AcquireProgress {
        let mode: ProgressDisplay.Mode = isatty(STDERR_FILENO) == 1 ? .terminal : .plain
        let progress = AcquireProgress(mode: mode)
        let follower = DownloadFollower(model: model, kind: .pull)
        Thread.detachNewThread {
            let topics: [String: JSONValue] = ["topics": .array([.string("download"), .string("model")]), "models": .array([.string(model)])]
            guard let subscription = try? ControlClient(path: socket), (try? subscription.request("subscribe", topics))?.ok == true else { return }
            while let line = try? subscription.readLine() {
                guard let event = try? ClientEvent(line: line) else { continue }
                var step = follower.step(event)
                step.end = nil
                guard progress.show(step) else { return }
            }
        }
        return progress
    }

    /// Shows a step; false once stopped.
    private func show(_ step: DownloadFollower.Step) -> Bool {
        display.withLock { display in
            display?.show(step)
            return display != nil
        }
    }

    /// Ends the display, leaving the terminal on a fresh line.
    func stop() {
        display.withLock { display in
            display?.finish(complete: false)
            display = nil
        }
    }
}
