import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

extension AdoptMode: EnumerableFlag {
    public static func help(for value: AdoptMode) -> ArgumentHelp? {
        switch value {
        case .link: "Hard links: nothing is copied, the folder keeps working (the default on the store's filesystem)."
        case .move: "Rename the files into the store: they leave the folder (same filesystem)."
        case .copy: "Copy (a reflink where the filesystem can): the folder is untouched (the default across filesystems)."
        }
    }
}

struct Adopt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring a model folder made by other tools into the store without downloading it again. Admin.",
        discussion: """
            For a folder made by `hf download --local-dir`, a plain copy or a `git lfs clone`: \
            every file is hashed against the hub's manifest, the good ones come in without \
            the network, and only what is missing or damaged is fetched. Files that are not \
            the model's are left alone; nothing is removed from the folder but a file that \
            --move brought in. The daemon reads the folder as its own user.
            `modelctl adopt --scan DIR` finds such folders under DIR and prints the commands.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Flag(help: "Find folders under DIR that hold catalog models, and print the commands that adopt them.")
    var scan = false

    @Argument(help: "The model, as `modelctl status` names it (with --scan: the folder to search).")
    var model: String

    @Argument(help: "The folder that holds the model's files (relative to this shell's folder).")
    var folder: String?

    @Flag var mode: AdoptMode?

    @Flag(help: "Return once the adoption has started; it goes on in the daemon.")
    var noWait = false

    func validate() throws {
        if scan, folder != nil { throw ValidationError("--scan takes one folder: modelctl adopt --scan DIR") }
        if !scan, folder == nil { throw ValidationError("give the model and its folder: modelctl adopt MODEL DIR") }
    }

    func run() throws {
        guard !scan else {
            return try options.run("adopt", ["path": .string(Self.absolute(model)), "scan": .bool(true)], as: AdoptScanResult.self) { result in
                for line in AdoptText.scan(result) { Output.line(line) }
            }
        }
        var arguments: [String: JSONValue] = ["model": .string(model), "path": .string(Self.absolute(folder ?? "."))]
        if let mode { arguments["mode"] = .string(mode.rawValue) }
        let subscription = try noWait ? nil : options.call(
            "subscribe",
            ["topics": .array(["adopt", "download", "repair", "model"].map(JSONValue.string)), "models": .array([.string(model)])]).0
        let (_, response) = try options.call("adopt", arguments)
        if options.json { Output.line(DownloadCommand.compact(response.result ?? .null)) }
        let plan = try response.decode(AdoptPlanResult.self)
        if !options.json { for line in AdoptText.plan(plan) { Output.line(line) } }
        guard let subscription else {
            if !options.json { Output.line("it goes on in the daemon: `modelctl watch --model \(plan.model)` follows it") }
            return
        }
        try follow(subscription, model: plan.model)
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }

    /// The hashing's progress until `adopt.done`, then the download of what was left, as
    /// `pull` follows it. Download events that come before `adopt.done` (a small file is
    /// fetched at once) are kept for after it.
    private func follow(_ subscription: ControlClient, model: String) throws {
        let display = ProgressDisplay(mode: Output.isTerminal ? .terminal : .plain)
        let downloads = DownloadFollower(model: model, kind: .pull)
        let started = ContinuousClock.now
        var report: AdoptReport?
        var downloadEnd: DownloadFollower.End?
        while let line = try options.reading({ () throws(ControlClientError) in try subscription.readLine() }) {
            if options.json { Output.line(String(decoding: line, as: UTF8.self)) }
            guard let received = try? ClientEvent(line: line), let event = received.event else { continue }
            switch event.payload {
            case .adoptProgress(_, _, _, let done, let total) where report == nil:
                // A rate over less than a second (a small first file) says nothing.
                let seconds = (ContinuousClock.now - started).inSeconds
                let rate = seconds >= 1 ? Int64(Double(done) / seconds) : 0
                if !options.json {
                    display.show(DownloadFollower.Step(progress: DownloadProgress(
                        model: AdoptText.progressLabel(model), bytesDone: done, bytesTotal: total, bytesPerSecond: rate,
                        etaSeconds: rate > 0 ? (total - done) / rate : nil)))
                }
            case .adoptDone(let done):
                report = done
                if !options.json {
                    display.finish(complete: done.error == nil)
                    for line in AdoptText.report(done) { Output.line(line) }
                }
                if let error = done.error {
                    Output.error("modelctl: \(error.message) (\(error.code.rawValue))" + (error.hint.map { "\nhint: \($0)" } ?? ""))
                    throw ExitCode(ExitStatus.daemonError)
                }
                if done.fetching.isEmpty {
                    if !options.json { Output.line("\(model) is available: every file verified") }
                    return
                }
            default:
                let step = downloads.step(received)
                if report != nil, !options.json { display.show(step) }
                downloadEnd = downloadEnd ?? step.end
            }
            guard report != nil, let end = downloadEnd else { continue }
            return try DownloadCommand.conclude(end, display: display, json: options.json)
        }
        Output.error("modelctl: the daemon closed the connection before \(model) was adopted; `modelctl status \(model)` shows where it stands")
        throw ExitCode(ExitStatus.unreachable)
    }
}
