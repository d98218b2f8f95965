import ModeldCore
import Testing

/// How a file's connection count is found: doubled while the added connections bring their
/// share (a CDN capping each one), taken back to what their gain paid for (a full link).
@Suite struct ConnectionTunerTests {
    /// Feeds the tuner what `rate(connections)` would measure, interval by interval.
    static func run(_ tuner: inout ConnectionTuner, intervals: Int, rate: (Int) -> Double) -> [ConnectionTuner.Decision] {
        (0..<intervals).map { _ in tuner.observe(bytesPerSecond: rate(tuner.target)) }
    }

    @Test func connectionsCappedAt25MBEachGrowToTheMaximum() {
        var tuner = ConnectionTuner(start: 4, maximum: 16)
        let decisions = Self.run(&tuner, intervals: 40) { Double($0) * 25e6 }
        #expect(tuner.target == 16 && tuner.settled)
        #expect(decisions.filter { $0 == .grow }.count == 2 && !decisions.contains(.shrink), "4, 8, 16")
        #expect(decisions.first == .hold, "the first interval is the connections' start")
    }

    @Test func aLinkFullAt200MBGoesBackToTheEightThatFillIt() {
        var tuner = ConnectionTuner(start: 4, maximum: 16)
        let decisions = Self.run(&tuner, intervals: 40) { min(Double($0) * 25e6, 200e6) }
        #expect(tuner.target == 8 && tuner.settled)
        #expect(decisions.filter { $0 == .shrink }.count == 1)
    }

    @Test func aLinkFullAt250MBKeepsWhatTheGainPaidFor() {
        var tuner = ConnectionTuner(start: 4, maximum: 32)
        _ = Self.run(&tuner, intervals: 40) { min(Double($0) * 25e6, 250e6) }
        #expect(tuner.target == 10, "8 gave 200 MB/s, 16 gave 250: 2 of the 8 added paid")
    }

    @Test func anUncappedLinkKeepsItsStartingCount() {
        var tuner = ConnectionTuner(start: 4, maximum: 16)
        _ = Self.run(&tuner, intervals: 10) { _ in 1e9 }
        #expect(tuner.target == 4 && tuner.settled)
    }

    @Test func aMaximumAtTheStartIsSettledAtOnceAndAGainOfLessThanHalfAShareStops() {
        var fixed = ConnectionTuner(start: 4, maximum: 2)
        #expect(fixed.settled && fixed.target == 4 && fixed.observe(bytesPerSecond: 1) == .hold)
        var tuner = ConnectionTuner(start: 2, maximum: 8)
        #expect(tuner.observe(bytesPerSecond: 100) == .hold)
        #expect(tuner.observe(bytesPerSecond: 100) == .grow)
        #expect(tuner.target == 4)
        #expect(tuner.observe(bytesPerSecond: 120) == .hold, "the new connections' start")
        #expect(tuner.observe(bytesPerSecond: 124) == .shrink, "24 more is less than half of two 50 shares")
        #expect(tuner.target == 2)
    }
}
