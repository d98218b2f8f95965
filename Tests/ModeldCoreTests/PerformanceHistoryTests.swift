import Foundation
import ModeldCore
import Testing

@Suite struct PerformanceHistoryTests {
    static func samples(_ range: Range<Int>) -> [PerformanceSample] {
        range.map { PerformanceSample(at: Date(timeIntervalSince1970: Double($0)), success: true, secondsPerStep: Double($0)) }
    }

    @Test func theEarliestStayAndTheLatestSlide() {
        var history = PerformanceHistory(Self.samples(0..<3), earliestLimit: 4, latestLimit: 2)
        #expect(history.samples == Self.samples(0..<3))
        for sample in Self.samples(3..<9) { history.append(sample) }
        #expect(history.earliest == Self.samples(0..<4), "the baseline's samples do not move")
        #expect(history.latest == Self.samples(7..<9), "only the latest window slides")
    }

    @Test func readFromMoreRowsThanItKeeps() {
        let history = PerformanceHistory(Self.samples(0..<10), earliestLimit: 4, latestLimit: 3)
        #expect(history.earliest == Self.samples(0..<4) && history.latest == Self.samples(7..<10))
        #expect(history == PerformanceHistory(Self.samples(0..<4) + Self.samples(7..<10), earliestLimit: 4, latestLimit: 3),
                "what the ledger gives (first and last rows) makes the same history")
    }
}
