/// The samples `PerformanceJudge` reads for one model, kept between checks so a report
/// does not read hundreds of rows back: the earliest ones (the baseline's, which change
/// only when old rows are pruned) and a window of the latest.
public struct PerformanceHistory: Sendable, Equatable {
    public private(set) var earliest: [PerformanceSample] = []
    public private(set) var latest: [PerformanceSample] = []
    public let earliestLimit: Int
    public let latestLimit: Int

    /// From the model's kept samples, oldest first: the first `earliestLimit`, and of the
    /// rest the last `latestLimit`.
    public init(_ samples: [PerformanceSample], earliestLimit: Int, latestLimit: Int) {
        self.earliestLimit = earliestLimit
        self.latestLimit = latestLimit
        earliest = Array(samples.prefix(earliestLimit))
        latest = Array(samples.dropFirst(earliestLimit).suffix(latestLimit))
    }

    /// Every sample kept, oldest first.
    public var samples: [PerformanceSample] { earliest + latest }

    /// A new use: it joins the earliest while they are fewer than their limit, else the
    /// latest, whose oldest goes.
    public mutating func append(_ sample: PerformanceSample) {
        if earliest.count < earliestLimit {
            earliest.append(sample)
            return
        }
        latest.append(sample)
        if latest.count > latestLimit { latest.removeFirst(latest.count - latestLimit) }
    }
}
