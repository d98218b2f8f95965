import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the daemon's events as they happen (subscribe).",
        discussion: "A topic is a prefix of event names: --topic model matches model.state.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Option(name: .customLong("topic"), help: "Only events whose name starts with this (repeatable).")
    var topics: [String] = []

    @Option(name: .customLong("model"), help: "Only events about this model (repeatable).")
    var models: [String] = []

    func run() throws {
        var arguments: [String: JSONValue] = [:]
        if !topics.isEmpty { arguments["topics"] = .array(topics.map(JSONValue.string)) }
        if !models.isEmpty { arguments["models"] = .array(models.map(JSONValue.string)) }
        let (client, _) = try options.call("subscribe", arguments)
        while let line = try options.reading({ () throws(ControlClientError) in try client.readLine() }) {
            // Written unbuffered: a watcher piped into another program sees each event at once.
            if options.json {
                Output.line(String(decoding: line, as: UTF8.self))
            } else if let event = try? WireCodec.decoder.decode(JSONValue.self, from: line) {
                Output.line(Self.describe(event))
            }
        }
        Output.error("modelctl: the daemon closed the connection")
    }

    /// One readable line per event: `13:22:11 model.state ti2v-5B: missing → queued (pull)`.
    static func describe(_ event: JSONValue) -> String {
        let name = event["event"]?.string ?? "event"
        let time = event["time"]?.string.map { String($0.dropFirst(11).prefix(8)) } ?? ""
        let model = event["model"]?.string.map { " \($0):" } ?? ""
        let detail: String
        switch name {
        case "model.state":
            detail = "\(event["from"]?.string ?? "?") → \(event["to"]?.string ?? "?") (\(event["reason"]?.string ?? ""))"
        case "config.reloaded":
            let keys = event["changed"]?.array?.compactMap(\.string) ?? []
            detail = keys.isEmpty ? "nothing changed" : "changed " + keys.joined(separator: ", ")
        case "download.progress", "update.progress":
            let progress = DownloadProgress(
                model: "", bytesDone: int(event["bytes_done"]), bytesTotal: int(event["bytes_total"]),
                bytesPerSecond: int(event["speed_bps"]), etaSeconds: event["eta_s"]?.number.map { Int64($0) })
            detail = ProgressText.line(progress, barWidth: nil).trimmingCharacters(in: .whitespaces)
        case "download.retry":
            detail = ProgressText.retry(
                file: event["file"]?.string ?? "?", attempt: Int(int(event["attempt"])), max: Int(int(event["max"])),
                delaySeconds: event["delay_s"]?.number ?? 0, error: event["error"]?.string ?? "")
        case "download.done":
            detail = "done, \(ByteSize.format(int(event["bytes_fetched"]))) fetched, \(int(event["retries"])) retries"
        case "download.failed":
            detail = "failed: \(event["error"]?["message"]?.string ?? "?")" + (event["error"]?["hint"]?.string.map { " (hint: \($0))" } ?? "")
        case "repair.done":
            detail = "\(event["file"]?.string ?? "?") repaired, \(ByteSize.format(int(event["bytes_fetched"]))) fetched"
        case "integrity.damaged":
            let ranges = event["damaged_ranges"]?.array?.compactMap { range in
                range.array.map { "[\(ByteSize.format(int($0.first))), \(ByteSize.format(int($0.last))))" }
            } ?? []
            detail = "\(event["file"]?.string ?? "?") damaged (\(event["reason"]?.string ?? "")) at \(ranges.joined(separator: " ")), found by \(event["source"]?.string ?? "?")"
        case "integrity.missing":
            detail = "missing: " + (event["files"]?.array?.compactMap(\.string).joined(separator: ", ") ?? "?")
        case "disk.low":
            let suggestions = event["suggestions"]?.array?.compactMap { $0["command"]?.string } ?? []
            detail = "\(event["path"]?.string ?? "?"): \(ByteSize.format(int(event["free_bytes"]))) free, under "
                + "\(ByteSize.format(int(event["threshold_bytes"])))"
                + (suggestions.isEmpty ? "" : "; try " + suggestions.joined(separator: ", "))
        case "update.available", "update.applied", "update.failed", "update.rolled_back":
            let current = (event["current"]?.string).map { String($0.prefix(12)) } ?? "-"
            let latest = (event["latest"]?.string).map { String($0.prefix(12)) } ?? "-"
            detail = switch name {
            case "update.available": "\(current) → \(latest) is out; modelctl update\(model.dropLast())"
            case "update.applied": "now on \(latest) (was \(current))"
            case "update.failed": "the update to \(latest) failed, \(current) stays: \(event["reason"]?.string ?? "?")"
            default: "back on \(latest) (left \(current)): \(event["reason"]?.string ?? "")"
            }
        case "health.degraded", "health.recovered":
            let metric = event["metric"]?.string ?? "?"
            let figure = { (value: JSONValue?) in value?.number.map { String(format: "%.3g", $0) } ?? "?" }
            let figures = "\(figure(event["baseline"])) → \(figure(event["current"]))"
            detail = name == "health.degraded"
                ? "\(metric) degraded (\(figures)): \(event["suggestion"]?["why"]?.string ?? "")"
                    + (event["suggestion"]?["command"]?.string.map { "; try \($0)" } ?? "")
                : "\(metric) is back to normal (\(figures))"
        case "lagged":
            detail = "this watcher fell behind and missed \(Int(event["dropped"]?.number ?? 0)) events; the daemon disconnected it"
        default:
            let skip: Set = ["event", "time", "seq", "model"]
            if case .object(let fields) = event {
                detail = fields.filter { !skip.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }
                    .joined(separator: " ")
            } else {
                detail = ""
            }
        }
        return "\(time) \(name)\(model) \(detail)"
    }

    private static func int(_ value: JSONValue?) -> Int64 { Int64(value?.number ?? 0) }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n == n.rounded() ? String(Int64(n)) : String(n)
        case .bool(let b): String(b)
        case .null: "null"
        default: (try? String(decoding: WireCodec.encoder.encode(value), as: UTF8.self)) ?? "?"
        }
    }
}
