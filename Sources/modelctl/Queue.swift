import ArgumentParser
import ModeldCore
import ModeldProtocol

extension Priority: ExpressibleByArgument {}

/// `pause`, `resume`, `cancel`: one model, or every model with --all.
struct QueueTarget: ParsableArguments {
    @Argument(help: "The model (or --all).")
    var model: String?

    @Flag(help: "Every model in the queue.")
    var all = false

    func validate() throws {
        if all, model != nil { throw ValidationError("Give a model or --all, not both.") }
        if !all, model == nil { throw ValidationError("Give a model, or --all for every model in the queue.") }
    }

    var arguments: [String: JSONValue] {
        model.map { ["model": .string($0)] } ?? ["all": .bool(true)]
    }

    /// `paused ti2v-5B, i2v-A14B`, or what it means that nothing was affected.
    static func describe(_ verb: String, _ models: [String]) -> String {
        models.isEmpty ? "nothing to \(verb): no download in the queue matched" : "\(verb)d " + models.joined(separator: ", ")
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pause a model's download (or every download); `modelctl resume` continues it. Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @OptionGroup var target: QueueTarget

    func run() throws {
        try options.run("pause", target.arguments, as: QueueControlResult.self) { print(QueueTarget.describe("pause", $0.models)) }
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue a paused download (or every paused download). Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @OptionGroup var target: QueueTarget

    func run() throws {
        try options.run("resume", target.arguments, as: QueueControlResult.self) { print(QueueTarget.describe("resume", $0.models)) }
    }
}

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a model's download (or every download) out of the queue. Admin.",
        discussion: "Verified files always stay; the partial data stays too unless --discard, so a later pull resumes.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @OptionGroup var target: QueueTarget

    @Flag(help: "Delete the partial data as well.")
    var discard = false

    func run() throws {
        var arguments = target.arguments
        if discard { arguments["discard"] = .bool(true) }
        try options.run("cancel", arguments, as: QueueControlResult.self) { result in
            guard !result.models.isEmpty else { return print(QueueTarget.describe("cancel", [])) }
            let partial = discard ? "partial data deleted" : "partial data kept for a later pull"
            print("cancelled \(result.models.joined(separator: ", ")) (verified files kept, \(partial))")
        }
    }
}

struct PriorityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "priority",
        abstract: "Move a model in the download queue: give it a level, or put it first. Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model.")
    var model: String

    @Argument(help: "Its new priority (or --first).")
    var level: Priority?

    @Flag(help: "Ahead of everything else in the queue.")
    var first = false

    func validate() throws {
        if first, level != nil { throw ValidationError("Give a level or --first, not both.") }
        if !first, level == nil {
            throw ValidationError("Give a level (\(Priority.allCases.map(\.rawValue).joined(separator: ", "))) or --first.")
        }
    }

    func run() throws {
        var arguments: [String: JSONValue] = ["model": .string(model)]
        if let level { arguments["level"] = .string(level.rawValue) }
        if first { arguments["first"] = .bool(true) }
        try options.run("priority", arguments, as: QueueResult.self) { print(Self.render($0)) }
    }

    /// The queue in the order it is served, as a table.
    static func render(_ result: QueueResult) -> String {
        guard !result.queue.isEmpty else { return "the download queue is empty" }
        let rows = result.queue.enumerated().map { index, entry in
            [String(index + 1), entry.model, entry.priority.rawValue, entry.paused ? "paused" : "-"]
        }
        return Output.table(["#", "MODEL", "PRIORITY", "PAUSED"], rows)
    }
}

struct Limit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Limit the download bandwidth, for every download or one model. Admin.",
        discussion: """
            RATE is per second: 0 or none for no limit, a number of bytes, or a size such as \
            20MB, 50MiB, 1GB (decimal MB/GB, binary MiB/GiB). It applies to running transfers at once.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "Bytes per second: 0, none, 4096, 20MB, 50MiB, 1GB.")
    var rate: String

    @Option(help: "Only this model's downloads.")
    var model: String?

    func validate() throws {
        if ProgressText.parseRate(rate) == nil {
            throw ValidationError("'\(rate)' is not a rate; write it like 20MB, 50MiB, 1GB, a number of bytes, or 0 / none for no limit.")
        }
    }

    func run() throws {
        var arguments: [String: JSONValue] = ["bytes_per_s": .number(Double(ProgressText.parseRate(rate) ?? 0))]
        if let model { arguments["model"] = .string(model) }
        try options.run("limit", arguments, as: LimitResult.self) { print(Self.render($0)) }
    }

    /// The limits in force: all downloads first, then each model that has its own.
    static func render(_ result: LimitResult) -> String {
        func text(_ rate: Int64) -> String { rate > 0 ? ProgressText.rate(rate) : "no limit" }
        let rows = [["all downloads", text(result.bytesPerSecond)]]
            + result.models.sorted { $0.key < $1.key }.map { [$0.key, text($0.value)] }
        return Output.table(["LIMIT", "RATE"], rows)
    }
}
