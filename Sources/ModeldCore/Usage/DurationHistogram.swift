import Foundation

/// Durations in seconds counted in log-spaced buckets, so a day of generations keeps its
/// median and 95th percentile in a few hundred bytes that merge by addition: a week's
/// percentiles come from seven daily rows, never from the raw reports.
///
/// Bucket `i` covers `[0.01·r^i, 0.01·r^(i+1))` with `r = 2^(1/4)`, for `i` in `0..<100`:
/// 10 ms to about 93 hours. Shorter durations count in the first bucket, longer ones in
/// the last; the buckets are stored sparse (a day rarely fills more than a dozen).
public struct DurationHistogram: Sendable, Equatable {
    /// How much wider each bucket is than the one before: `r − 1`, about 19 %.
    public static let resolution = growth - 1
    public static let bucketCount = 100
    /// The lower edge of the first bucket, in seconds.
    public static let smallest = 0.01

    /// `r`: four buckets to each doubling.
    private static let growth = pow(2, 0.25)
    private static let bucketsPerDoubling = 4.0

    /// Bucket index → count; only buckets with a count are present.
    private(set) var buckets: [Int: Int]

    public init() { buckets = [:] }

    /// Built from bucket counts already checked (the text form).
    init(checkedBuckets: [Int: Int]) { buckets = checkedBuckets }

    /// How many durations were added.
    public var count: Int { buckets.values.reduce(0, +) }

    /// Counts one duration. A NaN is not a duration and is left out; zero and negative
    /// values count as the shortest.
    public mutating func add(_ seconds: Double) {
        guard !seconds.isNaN else { return }
        buckets[Self.bucket(of: seconds), default: 0] += 1
    }

    /// Adds every count of `other`, as if its durations had been added here.
    public mutating func merge(_ other: DurationHistogram) {
        buckets.merge(other.buckets, uniquingKeysWith: +)
    }

    /// The duration below which `fraction` of the counted ones lie (0.5: the median,
    /// 0.95: the 95th percentile), nil when nothing was counted.
    ///
    /// The answer is the geometric middle of the bucket holding that duration, so it is
    /// within a factor `√r = 2^(1/8)` of the true value: about ±9 % (+9 % / −8.3 %).
    /// Durations below 10 ms or above the last bucket are reported as that bucket's
    /// middle, however far outside they were.
    public func percentile(_ fraction: Double) -> Double? {
        let total = count
        guard total > 0 else { return nil }
        let clamped = fraction.isNaN ? 0.5 : min(max(fraction, 0), 1)
        // The rank of the wanted duration, 1-based: the smallest that at least `fraction` of all reach.
        let rank = max(1, Int((clamped * Double(total)).rounded(.up)))
        var seen = 0
        for index in buckets.keys.sorted() {
            seen += buckets[index, default: 0]
            if seen >= rank { return Self.middle(of: index) }
        }
        return nil
    }

    static func bucket(of seconds: Double) -> Int {
        guard seconds > smallest else { return 0 }
        let position = (log2(seconds / smallest) * bucketsPerDoubling).rounded(.down)
        // Compared as a Double first: an infinite duration must not trap the conversion.
        return position >= Double(bucketCount - 1) ? bucketCount - 1 : Int(position)
    }

    static func middle(of bucket: Int) -> Double {
        smallest * pow(growth, Double(bucket) + 0.5)
    }
}
