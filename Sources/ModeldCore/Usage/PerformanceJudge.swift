/// Whether a model got clearly slower, or fails clearly more, than it used to (issue 15,
/// `health.degraded`), and the likeliest reason. Pure, like `RollbackJudge`: the daemon
/// hands it the model's recent raw samples and what it knows of the model's files, and
/// publishes what comes back (a degraded model whose answer is empty again has recovered).
///
/// Each figure compares the median of the earliest samples (the baseline) with the median
/// of the latest ones; medians, so one slow generation among five changes nothing.
public enum PerformanceJudge {
    public static let defaultFactor = 1.5
    /// Fewer samples make no baseline (and no recent window).
    public static let minimumSamples = 5
    /// The earliest samples that make the baseline, at most.
    public static let baselineSize = 20
    /// The latest timings that make the current figure.
    public static let recentSize = 5
    /// The latest outcomes that make the current success rate, at most: one outcome says
    /// less than one timing, so more of them are taken.
    public static let recentOutcomes = 10

    /// A figure's baseline and current value, and the samples behind each.
    struct Shift {
        var metric: PerformanceMetric
        var baseline: Double
        var current: Double
        var earlier: [PerformanceSample]
        var recent: [PerformanceSample]
    }

    private typealias Point = (sample: PerformanceSample, value: Double)

    /// The figures of `model` that got worse by `factor` or more, by metric name.
    /// - Parameters:
    ///   - samples: the model's generations, oldest first.
    ///   - condition: its files, revisions and disk now, to find the cause.
    ///   - factor: how much worse counts: a time `factor` times as long, a success rate
    ///     below the old one divided by `factor`.
    public static func degradations(
        model: String, samples: [PerformanceSample], condition: ModelCondition, factor: Double = defaultFactor
    ) -> [Degradation] {
        figures(model: model, samples: samples, condition: condition).filter { $0.isDegraded(factor: factor) }
    }

    /// Every figure there are samples enough for, its baseline against its current value,
    /// whether worse or not (each explained as if it were degraded): what a watcher needs
    /// to tell that a degraded figure recovered, and to what. By metric name.
    public static func figures(model: String, samples: [PerformanceSample], condition: ModelCondition) -> [Degradation] {
        var timings: [PerformanceMetric: [Point]] = [:]
        for sample in samples {
            if let timing = PerformanceMetric.timing(of: sample) { timings[timing.metric, default: []].append((sample, timing.seconds)) }
            if let load = PerformanceMetric.loadTime(of: sample) { timings[.loadTime, default: []].append((sample, load)) }
        }
        var shifts = timings.compactMap { metric, points in shift(of: metric, points) }
        if let rate = successShift(samples) { shifts.append(rate) }
        return shifts.sorted { $0.metric.name < $1.metric.name }.map { explain($0, model: model, condition: condition) }
    }

    /// The recent window is left out of the baseline, so a slowdown cannot hide in it.
    private static func shift(of metric: PerformanceMetric, _ points: [Point]) -> Shift? {
        guard points.count >= minimumSamples + recentSize else { return nil }
        let recent = points.suffix(recentSize)
        let earlier = points.dropLast(recentSize).prefix(baselineSize)
        return Shift(
            metric: metric, baseline: median(earlier.map(\.value)), current: median(recent.map(\.value)), earlier: earlier.map(\.sample),
            recent: recent.map(\.sample))
    }

    /// Over the outcomes that are known: the latest `recentOutcomes` (fewer while there
    /// are not yet `minimumSamples` before them, but never fewer than `minimumSamples`)
    /// against up to `baselineSize` before them.
    private static func successShift(_ samples: [PerformanceSample]) -> Shift? {
        let known = samples.filter { $0.success != nil }
        let recentCount = min(recentOutcomes, known.count - minimumSamples)
        guard recentCount >= minimumSamples else { return nil }
        let recent = Array(known.suffix(recentCount))
        let earlier = Array(known.dropLast(recentCount).prefix(baselineSize))
        let baseline = successRate(earlier)
        let current = successRate(recent)
        return Shift(metric: .successRate, baseline: baseline, current: current, earlier: earlier, recent: recent)
    }

    private static func successRate(_ samples: [PerformanceSample]) -> Double {
        Double(samples.count { $0.success == true }) / Double(samples.count)
    }

    /// The middle value, or the mean of the two middle ones; the callers never pass an
    /// empty list.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }
}
