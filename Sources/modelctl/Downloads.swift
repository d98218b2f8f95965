import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download what a model is missing or has damaged, and show the progress. Admin.",
        discussion: """
            Waits until the model is downloaded, failed or paused; Ctrl-C or --no-wait leaves \
            the download to modeld. With --json: the pull result, then each event, one JSON \
            object per line.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    @Option(help: "Its place in the queue (default: the catalog's priority).")
    var priority: Priority?

    @Flag(help: "Queue it and return at once.")
    var noWait = false

    func run() throws {
        var arguments: [String: JSONValue] = ["model": .string(model)]
        if let priority { arguments["priority"] = .string(priority.rawValue) }
        try DownloadCommand(options: options, model: model, kind: .pull, noWait: noWait).run("pull", arguments)
    }
}

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch only a model's missing files and damaged ranges, and show the progress. Admin.",
        discussion: """
            Waits until the model is verified again, failed or paused; Ctrl-C or --no-wait \
            leaves the repair to modeld. With --json: the repair result, then each event, one \
            JSON object per line.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    @Flag(help: "Queue the repair and return at once.")
    var noWait = false

    func run() throws {
        try DownloadCommand(options: options, model: model, kind: .repair, noWait: noWait).run("repair", ["model": .string(model)])
    }
}

/// `pull` and `repair`: subscribe, send the command, then follow the model's events until
/// it is done. The subscription comes first, on its own connection, so no event between
/// the command and the following is missed.
struct DownloadCommand {
    let options: ClientOptions
    let model: String
    let kind: DownloadFollower.Kind
    let noWait: Bool

    static let topics = ["download", "repair", "model"]

    func run(_ command: String, _ arguments: [String: JSONValue]) throws {
        let subscription = try noWait ? nil : subscribe()
        let (_, response) = try options.call(command, arguments)
        if options.json { Output.line(Self.compact(response.result ?? .null)) }
        let result = try response.decode(PullResult.self)
        if !options.json { Output.line(summary(result)) }
        guard let subscription, result.queuePosition > 0 else {
            if noWait, result.queuePosition > 0, !options.json {
                Output.line("follow it with `modelctl watch --model \(model)`, or see it in `modelctl status \(model)`")
            }
            return
        }
        try follow(subscription)
    }

    private func subscribe() throws -> ControlClient {
        let arguments: [String: JSONValue] = [
            "topics": .array(Self.topics.map(JSONValue.string)), "models": .array([.string(model)]),
        ]
        return try options.call("subscribe", arguments).0
    }

    /// `ti2v-5B: queued 3 files, 22.2 GiB to fetch (priority normal, 1st in the queue)`.
    func summary(_ result: PullResult) -> String {
        guard result.queuePosition > 0 else {
            return kind == .pull
                ? "\(result.model): every file is verified; nothing to download"
                : "\(result.model): every file is verified; nothing to repair"
        }
        let files = result.files == 1 ? "1 file" : "\(result.files) files"
        let place = result.queuePosition == 1 ? "next in the queue" : "number \(result.queuePosition) in the queue"
        return "\(result.model): \(result.state.rawValue), \(files), \(ByteSize.format(result.bytesNeeded)) to fetch "
            + "(priority \(result.priority.rawValue), \(place))"
    }

    private func follow(_ subscription: ControlClient) throws {
        let follower = DownloadFollower(model: model, kind: kind)
        let display = ProgressDisplay(mode: Output.isTerminal ? .terminal : .plain)
        if !options.json, display.mode == .terminal { ProgressDisplay.explainInterrupts() }
        while let line = try options.reading({ () throws(ControlClientError) in try subscription.readLine() }) {
            if options.json { Output.line(String(decoding: line, as: UTF8.self)) }
            guard let event = try? ClientEvent(line: line) else { continue }
            let step = follower.step(event)
            if !options.json { display.show(step) }
            var end = step.end
            if end == nil, let unlessQueued = step.endUnlessStillQueued, try !stillQueued() { end = unlessQueued }
            guard let end else { continue }
            return try Self.conclude(end, display: display, json: options.json)
        }
        if !options.json { display.finish(complete: false) }
        Output.error("modelctl: the daemon closed the connection before \(model) was done; `modelctl status \(model)` shows where it stands")
        throw ExitCode(ExitStatus.unreachable)
    }

    /// Ends following: the bar finished, the message said, and the exit status for a failure.
    static func conclude(_ end: DownloadFollower.End, display: ProgressDisplay, json: Bool) throws {
        let succeeded = if case .success = end { true } else { false }
        if !json { display.finish(complete: succeeded) }
        switch end {
        case .success(let message):
            if !json { Output.line(message) }
        case .failure(let message):
            Output.error(message)
            throw ExitCode(ExitStatus.daemonError)
        case .lost(let message):
            Output.error(message)
            throw ExitCode(ExitStatus.unreachable)
        }
    }

    /// Whether the model still has a download or repair queued, running or paused.
    private func stillQueued() throws -> Bool {
        let (_, response) = try options.call("status", ["model": .string(model)])
        let status = try response.decode(StatusResult.self)
        return status.models.first { $0.model == model }?.download != nil
    }

    /// One line of JSON, so the result and the events that follow it read as JSON lines.
    static func compact(_ value: JSONValue) -> String {
        String(decoding: (try? WireCodec.encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
