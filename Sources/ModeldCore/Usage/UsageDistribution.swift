/// How a measured figure spread (seconds of a generation, seconds per step): the median
/// and the slow tail say more than an average that one stuck job can pull up.
public struct UsageDistribution: Codable, Sendable, Equatable {
    /// Uses that reported the figure.
    public var count: Int
    public var average: Double
    public var p50: Double
    public var p95: Double

    public init(count: Int, average: Double, p50: Double, p95: Double) {
        self.count = count
        self.average = average
        self.p50 = p50
        self.p95 = p95
    }
}
