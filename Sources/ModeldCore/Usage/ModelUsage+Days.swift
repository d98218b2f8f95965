import Foundation

extension ModelUsage {
    /// The figures of `days` (rows of the window only, of one model or, for the totals,
    /// of all) over `window`, the window's days oldest first. The rank is set by the
    /// summary once every model is known.
    init(model: String, days: [UsageDay], window: [String]) {
        var sum = UsageDay(day: window.last ?? "", model: model)
        var byDay: [String: UsageDay] = [:]
        for day in days {
            sum.merge(day)
            byDay[day.day, default: UsageDay(day: day.day, model: model)].merge(day)
        }
        let known = sum.successes + sum.failures
        self.init(
            model: model, rank: 0, uses: sum.uses,
            usesPerDay: window.isEmpty ? 0 : Double(sum.uses) / Double(window.count),
            lastUsed: sum.lastUsed, successes: sum.successes, failures: sum.failures, unknown: sum.unknownOutcomes,
            successRate: known > 0 ? Double(sum.successes) / Double(known) : nil,
            generationSeconds: Self.distribution(sum.durations, total: sum.durationSum),
            secondsPerStep: Self.distribution(sum.secondsPerStep, total: sum.secondsPerStepSum),
            peakHours: sum.hours,
            perDay: window.map { day in
                let row = byDay[day]
                return DayCount(day: day, uses: row?.uses ?? 0, failures: row?.failures ?? 0, mockFallbacks: row?.mockFallbacks ?? 0)
            },
            acquires: sum.acquires,
            averageWaitSeconds: sum.acquires > 0 ? sum.waitSum / Double(sum.acquires) : nil,
            mockFallbacks: sum.mockFallbacks, suggests: sum.suggests,
            downloads: Self.work(count: sum.downloads, bytes: sum.downloadBytes, seconds: sum.downloadSeconds, retries: sum.downloadRetries),
            verifications: Self.work(count: sum.verifications, bytes: sum.verifyBytes, seconds: sum.verifySeconds, retries: nil))
    }

    /// Nil when the histogram is empty.
    private static func distribution(_ histogram: DurationHistogram, total: Double) -> UsageDistribution? {
        guard let p50 = histogram.percentile(0.5), let p95 = histogram.percentile(0.95) else { return nil }
        let count = histogram.count
        return UsageDistribution(count: count, average: total / Double(count), p50: p50, p95: p95)
    }

    /// Nil when there was no such work.
    private static func work(count: Int, bytes: Int64, seconds: Double, retries: Int?) -> Transfers? {
        guard count > 0 else { return nil }
        // Clamped: a few bytes in no measurable time must not trap the conversion.
        let speed = seconds > 0 ? Int64(min(Double(bytes) / seconds, 1e18).rounded()) : nil
        return Transfers(count: count, bytes: bytes, seconds: seconds, retries: retries, bytesPerSecond: speed)
    }
}
