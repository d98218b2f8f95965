import Foundation
import Testing

@testable import ModeldCore

@Suite struct UsageDayTests {
    /// 2026-01-31T00:00:00Z.
    static let midnight = Date(timeIntervalSince1970: 1_769_817_600)

    static func at(hour: Double) -> Date { midnight.addingTimeInterval(hour * 3600) }

    @Test func daysAndHoursAreUTC() {
        #expect(UsageDay.day(of: Self.midnight.addingTimeInterval(-1)) == "2026-01-30")
        #expect(UsageDay.day(of: Self.midnight) == "2026-01-31")
        #expect(UsageDay.hour(of: Self.at(hour: 10.5)) == 10)
        #expect(UsageDay.hour(of: Self.midnight.addingTimeInterval(-1)) == 23)
        #expect(UsageDay.start(of: "2026-01-31") == Self.midnight)
    }

    @Test(arguments: ["2026-02-30", "2026-1-05", "2026-01-5", "26-01-05", "2026/01/05", "", "2026-01-05x", "abcd-ef-gh"])
    func aTextThatIsNotADayHasNoStart(_ text: String) {
        #expect(UsageDay.start(of: text) == nil)
    }

    @Test func consecutiveDaysCrossMonthsAndLeapDays() {
        #expect(UsageDay.days(endingWith: "2026-02-02", count: 4) == ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"])
        #expect(UsageDay.days(endingWith: "2024-03-01", count: 3) == ["2024-02-28", "2024-02-29", "2024-03-01"])
        #expect(UsageDay.days(endingWith: "2027-01-01", count: 2) == ["2026-12-31", "2027-01-01"])
        #expect(UsageDay.days(endingWith: "not a day", count: 3).isEmpty)
    }

    @Test func usesCountOutcomesDurationsHoursAndTheLastUse() {
        var day = UsageDay(day: "2026-01-31", model: "ti2v-5B")
        day.record(UseSample(at: Self.at(hour: 14), success: true, durationSeconds: 40, secondsPerStep: 2))
        day.record(UseSample(at: Self.at(hour: 9), success: false, durationSeconds: 5))
        day.record(UseSample(at: Self.at(hour: 14.5), success: nil))
        day.record(UseSample(at: Self.at(hour: 1), success: true, durationSeconds: .nan, secondsPerStep: -1))
        #expect(day.uses == 4)
        #expect(day.successes == 2)
        #expect(day.failures == 1)
        #expect(day.unknownOutcomes == 1)
        #expect(day.durationSum == 45)
        #expect(day.durations.count == 2)
        #expect(day.secondsPerStepSum == 2)
        #expect(day.secondsPerStep.count == 1)
        #expect(day.hours.count == 24)
        #expect(day.hours[14] == 2 && day.hours[9] == 1 && day.hours[1] == 1)
        #expect(day.hours.reduce(0, +) == 4)
        #expect(day.lastUsed == Self.at(hour: 14.5))
    }

    @Test func requestsCountWaitsAndMockFallbacks() {
        var day = UsageDay(day: "2026-01-31", model: "ti2v-5B")
        day.record(RequestSample(at: Self.midnight, kind: .acquire, waitedSeconds: 12, strategy: "ready"))
        day.record(RequestSample(at: Self.midnight, kind: .acquire, waitedSeconds: 3, strategy: "mock_generation"))
        day.record(RequestSample(at: Self.midnight, kind: .suggest, strategy: "mock_generation"))
        #expect(day.acquires == 2)
        #expect(day.waitSum == 15)
        #expect(day.mockFallbacks == 1)
        #expect(day.suggests == 1)
        #expect(day.uses == 0)
        #expect(day.lastUsed == nil)
    }

    @Test func workCountsDownloadsAndVerifications() {
        var day = UsageDay(day: "2026-01-31", model: "ti2v-5B")
        day.record(WorkSample(at: Self.midnight, kind: .download, bytes: 1_000, seconds: 4, retries: 2))
        day.record(WorkSample(at: Self.midnight, kind: .download, bytes: 500, seconds: 1))
        day.record(WorkSample(at: Self.midnight, kind: .verify, bytes: 1_500, seconds: 0.5))
        #expect(day.downloads == 2 && day.downloadBytes == 1_500 && day.downloadSeconds == 5 && day.downloadRetries == 2)
        #expect(day.verifications == 1 && day.verifyBytes == 1_500 && day.verifySeconds == 0.5)
    }

    @Test func mergingEqualsRecordingEverythingInOneRow() {
        let uses = [
            UseSample(at: Self.at(hour: 3), success: true, durationSeconds: 30, secondsPerStep: 1.5),
            UseSample(at: Self.at(hour: 20), success: false, durationSeconds: 2),
            UseSample(at: Self.at(hour: 3.2), success: nil, durationSeconds: 31),
        ]
        let requests = [
            RequestSample(at: Self.midnight, kind: .acquire, waitedSeconds: 8, strategy: "mock_generation"),
            RequestSample(at: Self.midnight, kind: .suggest),
        ]
        let work = [WorkSample(at: Self.midnight, kind: .download, bytes: 7, seconds: 1, retries: 1)]
        var all = UsageDay(day: "2026-01-31", model: "m")
        var first = all
        var second = all
        for use in uses { all.record(use) }
        for request in requests { all.record(request) }
        for item in work { all.record(item) }
        first.record(uses[0])
        first.record(requests[0])
        second.record(uses[1])
        second.record(uses[2])
        second.record(requests[1])
        second.record(work[0])
        first.merge(second)
        #expect(first == all)
    }

    @Test func aRowWithTooFewHoursIsPaddedInsteadOfTrapping() {
        var day = UsageDay(day: "2026-01-31", model: "m")
        day.hours = [1]
        day.record(UseSample(at: Self.at(hour: 10), success: true))
        #expect(day.hours.count == 24)
        #expect(day.hours[0] == 1 && day.hours[10] == 1)
        var other = UsageDay(day: "2026-01-31", model: "m")
        other.hours = Array(repeating: 1, count: 30)
        day.merge(other)
        #expect(day.hours.count == 24)
        #expect(day.hours[10] == 2)
    }

    @Test func aRowSurvivesJSON() throws {
        var day = UsageDay(day: "2026-01-31", model: "ti2v-5B")
        day.record(UseSample(at: Self.at(hour: 14), success: true, durationSeconds: 40, secondsPerStep: 2))
        day.record(RequestSample(at: Self.midnight, kind: .acquire, waitedSeconds: 1))
        let decoded = try JSONDecoder().decode(UsageDay.self, from: JSONEncoder().encode(day))
        #expect(decoded == day)
    }
}
