import Synchronization

/// The usage counters `metrics` shows, since the daemon started (Prometheus counters may
/// start again from 0; `rate()` takes that in its stride): uses by model and outcome,
/// generation times as a histogram, mock fallbacks.
final class UsageMetrics: Sendable {
    /// How a use ended, as the `outcome` label says it.
    enum Outcome: String, CaseIterable, Sendable {
        case success, failure, unknown

        init(_ success: Bool?) {
            self = success.map { $0 ? .success : .failure } ?? .unknown
        }
    }

    /// The histogram's upper bounds, in seconds: a video generation takes seconds to an hour.
    static let bounds: [Double] = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]

    struct Generations: Sendable {
        /// Per bound (and one more for +Inf), the generations that took longer than the
        /// bound before it; cumulated when shown.
        var buckets = Array(repeating: 0, count: UsageMetrics.bounds.count + 1)
        var sum = 0.0
        var count = 0
    }

    struct Snapshot: Sendable {
        var uses: [String: [Outcome: Int]] = [:]
        var generations: [String: Generations] = [:]
        var mockFallbacks: [String: Int] = [:]
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    func countUse(of model: String, success: Bool?, seconds: Double?) {
        state.withLock { state in
            state.uses[model, default: [:]][Outcome(success), default: 0] += 1
            guard let seconds, seconds.isFinite, seconds >= 0 else { return }
            var generations = state.generations[model] ?? Generations()
            generations.buckets[Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count] += 1
            generations.sum += seconds
            generations.count += 1
            state.generations[model] = generations
        }
    }

    func countMockFallback(of model: String) {
        state.withLock { $0.mockFallbacks[model, default: 0] += 1 }
    }
}
