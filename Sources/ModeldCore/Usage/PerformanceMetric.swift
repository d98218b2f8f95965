/// A figure the degradation check compares over time: a timing at one resolution, the
/// load time, or the success rate.
struct PerformanceMetric: Hashable, Sendable {
    enum Kind: String, Sendable {
        case secondsPerStep = "seconds_per_step"
        case secondsPerFrame = "seconds_per_frame"
        case duration = "duration_s"
        case loadTime = "load_s"
        case successRate = "success_rate"
    }

    var kind: Kind
    /// Only for the generation timings: a 720p step is not a 480p step.
    var resolution: String?

    static let loadTime = PerformanceMetric(kind: .loadTime)
    static let successRate = PerformanceMetric(kind: .successRate)

    /// `seconds_per_step@1280x704`, `load_s`.
    var name: String {
        resolution.map { "\(kind.rawValue)@\($0)" } ?? kind.rawValue
    }

    /// `seconds per step at 1280x704`, for a sentence.
    var words: String {
        let words =
            switch kind {
            case .secondsPerStep: "seconds per step"
            case .secondsPerFrame: "seconds per frame"
            case .duration: "generation time"
            case .loadTime: "load time"
            case .successRate: "success rate"
            }
        return resolution.map { "\(words) at \($0)" } ?? words
    }

    /// Written after a figure: the per-step and per-frame names already say seconds.
    var unit: String {
        kind == .duration || kind == .loadTime ? " s" : ""
    }

    /// The generation timing a successful sample gives, the most telling first: seconds
    /// per step do not depend on how many steps were asked for, seconds per frame not on
    /// the length of the video; the whole duration is the last resort. Nil for a sample
    /// that did not succeed (a failure's time says nothing about speed) or gave no
    /// usable figure.
    static func timing(of sample: PerformanceSample) -> (metric: PerformanceMetric, seconds: Double)? {
        guard sample.success == true else { return nil }
        let kind: Kind
        let seconds: Double
        if let perStep = sample.secondsPerStep {
            (kind, seconds) = (.secondsPerStep, perStep)
        } else if let duration = sample.durationSeconds, let frames = sample.frames, frames > 0 {
            (kind, seconds) = (.secondsPerFrame, duration / Double(frames))
        } else if let duration = sample.durationSeconds {
            (kind, seconds) = (.duration, duration)
        } else {
            return nil
        }
        guard isUsable(seconds) else { return nil }
        return (PerformanceMetric(kind: kind, resolution: sample.resolution), seconds)
    }

    /// The load time of a successful sample, nil when it gave none.
    static func loadTime(of sample: PerformanceSample) -> Double? {
        guard sample.success == true, let seconds = sample.loadSeconds, isUsable(seconds) else { return nil }
        return seconds
    }

    /// A zero or negative time would make any later time look infinitely worse.
    private static func isUsable(_ seconds: Double) -> Bool {
        seconds.isFinite && seconds > 0
    }
}
