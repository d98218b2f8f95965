import Foundation
import ModeldCore

/// Where a download stands, from its latest `download.progress` event.
struct DownloadProgress: Equatable {
    var model: String
    var bytesDone: Int64
    var bytesTotal: Int64
    var bytesPerSecond: Int64
    var etaSeconds: Int64?
}

/// The text of `pull` and `repair`: progress lines, durations, rates. Pure, so it can be
/// tested without a daemon or a terminal.
enum ProgressText {
    /// Whole percent done, 0…100; 0 while the total is unknown.
    static func percent(done: Int64, total: Int64) -> Int {
        guard total > 0 else { return 0 }
        return Int((Double(min(max(done, 0), total)) / Double(total) * 100).rounded(.down))
    }

    /// `[#######.............]`: `width` cells between the brackets.
    static func bar(done: Int64, total: Int64, width: Int) -> String {
        let width = max(width, 1)
        let filled = total > 0 ? Int(Double(min(max(done, 0), total)) / Double(total) * Double(width)) : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// `delay_s` as a duration; a fraction of a second under ten keeps one decimal (`1.5s`).
    static func delay(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 10, seconds != seconds.rounded() { return "\((seconds * 10).rounded() / 10)s" }
        return TimeSpan.describe(seconds: Int64(seconds.rounded()))
    }

    /// `94 MiB/s`, in the units `modelctl status` writes sizes in.
    static func rate(_ bytesPerSecond: Int64) -> String { ByteSize.format(bytesPerSecond) + "/s" }

    /// `ti2v-5B  [#####.....]  35%  12 GiB / 31.9 GiB  94 MiB/s  ETA 3m 32s`; without the bar
    /// when `barWidth` is nil (the line a pipe gets every few seconds).
    static func line(_ progress: DownloadProgress, barWidth: Int?) -> String {
        var parts = [progress.model]
        if let barWidth { parts.append(bar(done: progress.bytesDone, total: progress.bytesTotal, width: barWidth)) }
        let percent = String(percent(done: progress.bytesDone, total: progress.bytesTotal))
        parts.append(String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "%")
        parts.append("\(ByteSize.format(progress.bytesDone)) / \(ByteSize.format(progress.bytesTotal))")
        parts.append(rate(progress.bytesPerSecond))
        parts.append("ETA " + (progress.etaSeconds.map { TimeSpan.describe(seconds: $0) } ?? "--"))
        return parts.joined(separator: "  ")
    }

    /// The bar line for a terminal `columns` wide (nil: unknown): the bar narrows, then
    /// goes, then the line is cut, so a redraw with `\r` never wraps onto a second row.
    static func fitted(_ progress: DownloadProgress, columns: Int?) -> String {
        guard let columns, columns > 0 else { return line(progress, barWidth: 20) }
        for width in [20, 10] {
            let text = line(progress, barWidth: width)
            if text.count < columns { return text }
        }
        return String(line(progress, barWidth: nil).prefix(columns - 1))
    }

    /// `retry 1/3 of model.safetensors in 2s: connection reset`.
    static func retry(file: String, attempt: Int, max: Int, delaySeconds: Double, error: String) -> String {
        "retry \(attempt)/\(max) of \(file) in \(delay(seconds: delaySeconds)): \(error)"
    }

    /// `limit`'s RATE in bytes per second: `0` or `none` for no limit, a number of bytes,
    /// or a size with its unit as the config writes it (`20MB`, `50MiB`, `1GB`), with an
    /// optional `/s`. Nil when it is none of these.
    static func parseRate(_ text: String) -> Int64? {
        var text = text.trimmingCharacters(in: .whitespaces)
        if ["none", "unlimited"].contains(text.lowercased()) { return 0 }
        if text.hasSuffix("/s") { text.removeLast(2) }
        guard !text.isEmpty, let size = ByteSize(parsing: text) else { return nil }
        // `0.4B` is not "no limit": only a zero written as zero is.
        if size.bytes == 0, text.contains(where: { ("1"..."9").contains($0) }) { return nil }
        return size.bytes
    }
}
