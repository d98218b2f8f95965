import Foundation
import ModeldCore
import ModeldProtocol

/// The text of `modelctl usage`: every model in a ranked table, or one model in labelled
/// lines, each with its uses per day and peak hours as charts. Pure (the time and the
/// client's zone are parameters), so it is tested without a daemon, a clock or a TZ.
enum UsageText {
    /// The width of a labelled line's label: the charts under one another start together.
    static let labelWidth = 16

    /// `model` in full when the result has it, otherwise every model.
    static func describe(_ result: UsageResult, model: String?, now: Date, utcOffset: Int) -> String {
        if let model, let usage = result.models.first(where: { $0.model == model }) {
            return one(usage, in: result, now: now, utcOffset: utcOffset)
        }
        return all(result, now: now, utcOffset: utcOffset)
    }

    /// The totals, the table, the charts of every model together, and the mock fallbacks.
    static func all(_ result: UsageResult, now: Date, utcOffset: Int) -> String {
        let total = result.total
        var lines = [
            "Usage over " + window(result),
            "\(total.uses) uses: \(total.successes) succeeded, \(total.failures) failed, \(total.unknown) unknown; "
                + "\(total.acquires) acquires",
            "",
            result.models.isEmpty ? "No models." : table(result.models, now: now, utcOffset: utcOffset),
            "",
        ]
        lines += sparkline("Uses per day", total.perDay.map(\.uses), from: result.from, to: result.to)
        // Every use belongs to a model, so the models' hours add up to all of them.
        let hours = (0..<24).map { hour in
            result.models.reduce(0) { sum, usage in sum + (usage.peakHours.indices.contains(hour) ? usage.peakHours[hour] : 0) }
        }
        lines += peakHours("Peak hours", hours, utcOffset: utcOffset)
        lines += mockFallbacks(result)
        return lines.joined(separator: "\n")
    }

    /// RANK · MODEL · USES · /DAY · SUCCESS · P50 · P95 · LAST USED, most used first.
    static func table(_ models: [ModelUsage], now: Date, utcOffset: Int) -> String {
        let rows = models.sorted { $0.rank < $1.rank }.map { usage in
            [
                "\(usage.rank)", usage.model, "\(usage.uses)", perDay(usage.usesPerDay), percent(usage.successRate),
                usage.generationSeconds.map { duration($0.p50) } ?? "-", usage.generationSeconds.map { duration($0.p95) } ?? "-",
                lastUsed(usage.lastUsed, now: now, utcOffset: utcOffset),
            ]
        }
        return Output.table(["RANK", "MODEL", "USES", "/DAY", "SUCCESS", "P50", "P95", "LAST USED"], rows)
    }

    /// One model's figures, a labelled line each; lines of figures it has none of are left out.
    static func one(_ usage: ModelUsage, in result: UsageResult, now: Date, utcOffset: Int) -> String {
        let outcomes = "\(usage.successes) succeeded, \(usage.failures) failed, \(usage.unknown) unknown"
        var lines = [
            "\(usage.model), rank \(usage.rank), over " + window(result),
            labelled("Uses", "\(usage.uses), \(perDay(usage.usesPerDay)) per day; last "
                + (usage.lastUsed.map { "\(localTime($0, utcOffset: utcOffset)) (\(age(of: $0, now: now)))" } ?? "never")),
            labelled("Success", "\(percent(usage.successRate)) (\(outcomes))"),
            labelled("Generation", usage.generationSeconds.map(distribution) ?? "not timed"),
        ]
        if let perStep = usage.secondsPerStep { lines.append(labelled("Per step", distribution(perStep))) }
        let wait = usage.averageWaitSeconds.map { ", waited \(duration($0)) on average" } ?? ""
        lines.append(labelled("Acquires", "\(usage.acquires)" + wait))
        if usage.mockFallbacks > 0 {
            let pull = "pull it: modelctl pull \(usage.model)"
            lines.append(labelled("Mock output", "\(requests(usage.mockFallbacks)) got no real model (\(pull))"))
        }
        if usage.suggests > 0 { lines.append(labelled("Suggest", "asked for an alternative \(times(usage.suggests))")) }
        if let downloads = usage.downloads { lines.append(labelled("Downloads", transfers(downloads))) }
        if let verifications = usage.verifications { lines.append(labelled("Verifications", transfers(verifications))) }
        lines += sparkline("Uses per day", usage.perDay.map(\.uses), from: result.from, to: result.to)
        lines += peakHours("Peak hours", usage.peakHours, utcOffset: utcOffset)
        return lines.joined(separator: "\n")
    }

    /// `30 days, 2026-11-04 to 2026-12-03 (UTC days)`: the daemon's days, which need not
    /// be the client's.
    static func window(_ result: UsageResult) -> String {
        "\(result.days) day\(result.days == 1 ? "" : "s"), \(result.from) to \(result.to) (\(result.timezone) days)"
    }

    /// `Label           text`: at least one space after a label longer than the column.
    static func labelled(_ label: String, _ text: String) -> String {
        label + String(repeating: " ", count: max(labelWidth - label.count, 1)) + text
    }

    /// The line on requests served mock output, naming the pull that ends them; none
    /// when every request got a real model.
    static func mockFallbacks(_ result: UsageResult) -> [String] {
        let count = result.total.mockFallbacks
        guard count > 0 else { return [] }
        let models = result.models.filter { $0.mockFallbacks > 0 }.sorted { $0.mockFallbacks > $1.mockFallbacks }
        let pull = models.count == 1 ? models[0].model : "MODEL"
        return ["\(requests(count)) got no real model: mock output (pull the model: modelctl pull \(pull))"]
            + (models.count > 1 ? models.map { "  \($0.model): \(requests($0.mockFallbacks))" } : [])
    }

    /// `p50 1m30s, p95 2m10s, average 1m33s (40 timed)`.
    static func distribution(_ figures: UsageDistribution) -> String {
        "p50 \(duration(figures.p50)), p95 \(duration(figures.p95)), average \(duration(figures.average)) (\(figures.count) timed)"
    }

    /// `2, 31.9 GiB in 5m40s at 96 MiB/s, 1 retry`.
    static func transfers(_ figures: ModelUsage.Transfers) -> String {
        let retries = figures.retries ?? 0
        return "\(figures.count), \(ByteSize.format(figures.bytes)) in \(duration(figures.seconds))"
            + (figures.bytesPerSecond.map { " at \(ProgressText.rate($0))" } ?? "")
            + (retries > 0 ? ", \(retries) \(retries == 1 ? "retry" : "retries")" : "")
    }

    /// `1.33`, `12.5`, `140`: decimals where a fraction of a use a day still matters.
    static func perDay(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        if value < 0.005 { return "<0.01" }
        return String(format: value < 10 ? "%.2f" : value < 100 ? "%.1f" : "%.0f", value)
    }

    /// `95%`; `-` when no use had a known outcome.
    static func percent(_ share: Double?) -> String {
        guard let share, share.isFinite else { return "-" }
        return "\(Int((min(max(share, 0), 1) * 100).rounded()))%"
    }

    static func requests(_ count: Int) -> String { "\(count) request\(count == 1 ? "" : "s")" }

    static func times(_ count: Int) -> String { count == 1 ? "once" : "\(count) times" }
}
