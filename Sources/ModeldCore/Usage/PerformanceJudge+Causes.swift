/// Why a figure got worse: the first of the usual suspects the samples or the model's
/// condition point to, most certain and cheapest to fix first, and a sentence that says
/// it with the figures.
extension PerformanceJudge {
    /// Memory this full on the GPU a generation ran on makes the runtime offload or thrash.
    public static let fullGPUMemory = 0.9

    private struct Finding {
        var cause: Degradation.Cause
        var command: String
        /// Follows the sentence about the figure: `" while …"`.
        var clause: String
    }

    static func explain(_ shift: Shift, model: String, condition: ModelCondition) -> Degradation {
        let finding = cause(of: shift, model: model, condition: condition)
        return Degradation(
            metric: shift.metric.name, baseline: shift.baseline, current: shift.current, cause: finding.cause,
            suggestion: Degradation.Suggestion(command: finding.command, why: change(shift) + finding.clause))
    }

    private static func cause(of shift: Shift, model: String, condition: ModelCondition) -> Finding {
        let recent = shift.recent
        if condition.damagedFiles > 0 || condition.missingFiles > 0 {
            let counts = [(condition.damagedFiles, "damaged"), (condition.missingFiles, "missing")].filter { $0.0 > 0 }
            return Finding(
                cause: .damagedFiles, command: "modelctl repair \(model)",
                clause: " while " + counts.map { files($0.0, $0.1) }.joined(separator: " and "))
        }
        if condition.unverifiedFiles > 0 {
            return Finding(
                cause: .unverifiedFiles, command: "modelctl verify \(model) --deep",
                clause: " while \(files(condition.unverifiedFiles, "not verified"))")
        }
        if let update = update(between: shift, condition: condition) {
            return Finding(
                cause: .newCommit, command: "modelctl rollback \(model)",
                clause: " since the update from \(update.from.prefix(7)) to \(update.to.prefix(7))")
        }
        // Only when the earlier generations mostly ran without it: a model that always
        // fills the GPU is not slowed by that.
        let crowded = { (sample: PerformanceSample) in (sample.vramUsedFraction ?? 0) >= fullGPUMemory || sample.otherGPUProcesses > 0 }
        if mostly(recent, crowded), !mostly(shift.earlier, crowded) {
            return Finding(cause: .gpuBusy, command: "nvidia-smi", clause: busyGPU(recent))
        }
        if shift.metric.kind == .loadTime, condition.diskLow {
            return Finding(
                cause: .diskLow, command: "modelctl cleanup --dry-run",
                clause: " while the store's disk is nearly full; see what cleanup would free, or move the store to another disk")
        }
        if mostly(recent, { $0.concurrentGenerations > 1 }) {
            let most = recent.map(\.concurrentGenerations).max() ?? 0
            return Finding(
                cause: .concurrentGenerations, command: "modelctl status",
                clause: " while up to \(most) generations ran at once; queue them to run one at a time")
        }
        return Finding(
            cause: .unknown, command: "modelctl verify \(model) --deep",
            clause: " with no cause in sight; a deep verify rules out damaged weights")
    }

    /// `seconds per step at 1280x704 rose from 2.1 to 6.3 (3.0×)`.
    private static func change(_ shift: Shift) -> String {
        let metric = shift.metric
        if metric.kind == .successRate {
            return "\(metric.words) fell from \(percent(shift.baseline)) % to \(percent(shift.current)) % over the last \(shift.recent.count) generations"
        }
        let ratio = shift.baseline > 0 ? shift.current / shift.baseline : 0
        return "\(metric.words) rose from \(figure(shift.baseline)) to \(figure(shift.current))\(metric.unit) (\(oneDecimal(ratio))×)"
    }

    /// The commit most recent samples ran on, when it is not the one most earlier ones ran
    /// on, the model still follows it, and there is a commit to roll back to.
    private static func update(between shift: Shift, condition: ModelCondition) -> (from: String, to: String)? {
        guard condition.previousCommit != nil,
            let old = mostCommon(shift.earlier.compactMap(\.commit)),
            let new = mostCommon(shift.recent.compactMap(\.commit)),
            old != new, condition.currentCommit.map({ $0 == new }) ?? true
        else { return nil }
        return (old, new)
    }

    /// ` while 1 other process was on GPU 0 and its memory was 93 % used; …`, from the worst
    /// of the recent samples.
    private static func busyGPU(_ recent: [PerformanceSample]) -> String {
        let gpu = recent.compactMap(\.gpu).last.map { "GPU \($0)" } ?? "the GPU"
        let others = recent.map(\.otherGPUProcesses).max() ?? 0
        var facts: [String] = []
        if others > 0 { facts.append("\(others) other process\(others == 1 ? " was" : "es were") on \(gpu)") }
        if let fullest = recent.compactMap(\.vramUsedFraction).max(), fullest >= fullGPUMemory {
            facts.append(others > 0 ? "its memory was \(percent(fullest)) % used" : "\(gpu)'s memory was \(percent(fullest)) % used")
        }
        let advice = others > 0 ? "close them, or use a smaller model or --offload_model" : "use a smaller model or --offload_model"
        return " while " + facts.joined(separator: " and ") + "; " + advice
    }

    /// More than half: the current figure is a median, so a cause must be in most of the
    /// samples behind it to explain it.
    private static func mostly(_ samples: [PerformanceSample], _ holds: (PerformanceSample) -> Bool) -> Bool {
        2 * samples.count(where: holds) > samples.count
    }

    /// The commonest; between equals, the one seen last.
    private static func mostCommon(_ commits: [String]) -> String? {
        var counts: [String: Int] = [:]
        for commit in commits { counts[commit, default: 0] += 1 }
        return commits.reversed().max { counts[$0, default: 0] < counts[$1, default: 0] }
    }

    private static func files(_ count: Int, _ state: String) -> String {
        "\(count) file\(count == 1 ? " is" : "s are") \(state)"
    }

    private static func percent(_ fraction: Double) -> Int {
        Int((min(max(fraction, 0), 1) * 100).rounded())
    }

    /// Two significant figures or so, the way a person reads a time: `0.45`, `2.1`, `40`.
    private static func figure(_ value: Double) -> String {
        switch value {
        case 10...: String(Int(min(value, 1e15).rounded()))
        case 1...: oneDecimal(value)
        default: String((value * 100).rounded() / 100)
        }
    }

    private static func oneDecimal(_ value: Double) -> String {
        String((min(value, 1e15) * 10).rounded() / 10)
    }
}
