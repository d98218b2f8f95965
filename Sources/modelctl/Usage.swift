import ArgumentParser
import Foundation
import ModeldProtocol

struct Usage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How much each model is used: uses per day, success, generation times, peak hours.",
        discussion: """
            Without a model: every model, most used first, with the uses per day and the \
            peak hours of all of them. With a model: its figures in full, down to waits, \
            mock fallbacks, downloads and verifications. Days are the daemon's UTC days; \
            peak hours are drawn in this machine's time zone.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "Only this model, in full.")
    var model: String?

    @Option(help: "The days to look back over, 1 to 3650 (default: 30).")
    var days: Int?

    func validate() throws {
        // The daemon's own rule, so a wrong window is a usage error before any connection.
        do {
            _ = try UsageArguments.checkDays(days)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        var arguments: [String: JSONValue] = [:]
        if let model { arguments["model"] = .string(model) }
        if let days { arguments["days"] = .number(Double(days)) }
        try options.run("usage", arguments, as: UsageResult.self) { result in
            let now = Date()
            Output.line(UsageText.describe(result, model: model, now: now, utcOffset: TimeZone.current.secondsFromGMT(for: now)))
        }
    }
}
