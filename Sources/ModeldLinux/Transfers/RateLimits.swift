import ModeldCore

/// The engine thread's token buckets: one for all transfers, one per rate group that has
/// a limit. A transfer goes on only while both its buckets are out of debt, so the
/// global limit is shared by every connection whatever the model.
final class RateLimits {
    private var buckets: [String: TokenBucket] = [:]
    private var rates: [String: Int64] = [:]
    private let origin = ContinuousClock.now

    private var now: Double { origin.duration(to: .now).inSeconds }

    /// Takes the limits asked for; a bucket whose rate did not change keeps its balance.
    func apply(_ requested: [String: Int64]) {
        guard requested != rates else { return }
        let now = now
        for (group, rate) in requested where rates[group] != rate {
            if buckets[group] == nil {
                buckets[group] = TokenBucket(bytesPerSecond: rate, now: now)
            } else {
                buckets[group]?.setRate(rate, now: now)
            }
        }
        rates = requested
    }

    func take(_ bytes: Int64, group: String) {
        let now = now
        buckets[CurlMultiEngine.globalRateGroup]?.take(bytes, now: now)
        if !group.isEmpty { buckets[group]?.take(bytes, now: now) }
    }

    /// Seconds until a transfer of `group` may go on; 0 when it may now.
    func wait(_ group: String) -> Double {
        let now = now
        let global = buckets[CurlMultiEngine.globalRateGroup]?.waitSeconds(now: now) ?? 0
        let own = group.isEmpty ? 0 : buckets[group]?.waitSeconds(now: now) ?? 0
        return max(global, own)
    }
}
