/// Exponential backoff with jitter (`backoff_initial`, doubling, up to `backoff_max`),
/// honouring a server's `Retry-After` when it asks for longer — never shorter: a
/// `Retry-After: 0` from a struggling server must not turn retries into a tight loop.
public struct Backoff: Sendable, Equatable {
    public var initial: TimeSpan
    public var maximum: TimeSpan

    public init(initial: TimeSpan, maximum: TimeSpan) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before attempt `attempt` (1 = the first retry). `jitter` in 0…1 (random
    /// in production) spreads it over [½, 1] of the delay, so many clients do not
    /// return in step. With `retryAfter`: the longer of the two, still at most `maximum`.
    public func delay(attempt: Int, jitter: Double, retryAfter: TimeSpan? = nil) -> TimeSpan {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(Double(initial.milliseconds) * Double(1 << exponent), Double(maximum.milliseconds))
        let jittered = full * (0.5 + 0.5 * min(max(jitter, 0), 1))
        let asked = min(retryAfter?.milliseconds ?? 0, maximum.milliseconds)
        return TimeSpan(milliseconds: max(Int64(jittered), asked))
    }
}
