/// A bandwidth limit shared by every connection of the transfer engine: a token bucket
/// counted in bytes, refilled lazily from the time that has passed. Bytes are taken
/// after they have arrived (a whole buffer from curl at once), so the balance may go
/// negative — a debt the engine pays back by pausing its connections for
/// `waitSeconds(now:)`. Time is any monotonic clock in seconds, passed in by the caller.
public struct TokenBucket: Sendable {
    /// The smallest burst the bucket holds, whatever the rate.
    public static let minimumBurst: Int64 = 64 << 10

    /// The limit, in bytes per second; 0 means unlimited.
    public private(set) var bytesPerSecond: Int64
    /// Tokens in hand (bytes that may still arrive without waiting); negative is debt.
    private var balance: Double
    /// When `balance` was last brought up to date.
    private var updated: Double

    public init(bytesPerSecond: Int64, now: Double) {
        self.bytesPerSecond = max(0, bytesPerSecond)
        self.updated = now
        self.balance = Double(Self.capacity(for: self.bytesPerSecond))
    }

    public var isUnlimited: Bool { bytesPerSecond == 0 }

    /// The most tokens the bucket saves up: a tenth of a second at the rate, at least
    /// 64 KiB. Small, so that a 20 MB/s limit holds within a few per cent even over
    /// windows of a second or two (a burst of 2 MB on top of 20 MB); large enough that
    /// the engine is not paused and woken again for every packet at low rates.
    public var capacity: Int64 { Self.capacity(for: bytesPerSecond) }

    private static func capacity(for bytesPerSecond: Int64) -> Int64 { max(bytesPerSecond / 10, minimumBurst) }

    /// Changes the limit. Tokens earned so far are counted at the old rate and then
    /// capped at the new capacity, so raising the limit (or setting one after running
    /// unlimited) never releases a burst saved up beforehand; a debt is kept.
    public mutating func setRate(_ bytesPerSecond: Int64, now: Double) {
        let wasUnlimited = isUnlimited
        refill(now: now)
        self.bytesPerSecond = max(0, bytesPerSecond)
        if isUnlimited { return }
        // While unlimited nothing was counted: start from a full bucket, no more.
        balance = wasUnlimited ? Double(capacity) : min(balance, Double(capacity))
    }

    /// Counts `bytes` that have arrived. The balance may go below zero.
    public mutating func take(_ bytes: Int64, now: Double) {
        refill(now: now)
        guard !isUnlimited, bytes > 0 else { return }
        balance -= Double(bytes)
    }

    /// How long to pause before more bytes may arrive: 0 when unlimited or when the
    /// balance (after refilling to `now`) is not negative, otherwise the time for the
    /// refill to pay the debt back.
    public func waitSeconds(now: Double) -> Double {
        guard !isUnlimited else { return 0 }
        let rate = Double(bytesPerSecond)
        let debt = -refilledBalance(now: now)
        // A debt repaid within a microsecond counts as paid: no timer is that fine, and
        // it keeps floating-point rounding from asking for endless vanishing waits.
        guard debt > max(1, rate / 1_000_000) else { return 0 }
        return debt / rate
    }

    private func refilledBalance(now: Double) -> Double {
        let elapsed = max(0, now - updated)
        return min(Double(capacity), balance + elapsed * Double(bytesPerSecond))
    }

    private mutating func refill(now: Double) {
        balance = refilledBalance(now: now)
        updated = max(updated, now)
    }
}
