import Foundation
import Testing

@testable import ModeldCore

@Suite struct UsageSummaryTests {
    /// A row of `model` on `day` with one use per outcome given, at noon plus `minute` minutes.
    static func row(_ model: String, _ day: String, _ outcomes: [Bool?], minute: Double = 0, duration: Double? = nil) -> UsageDay {
        var row = UsageDay(day: day, model: model)
        let noon = (UsageDay.start(of: day) ?? .distantPast).addingTimeInterval(12 * 3600 + minute * 60)
        for outcome in outcomes { row.record(UseSample(at: noon, success: outcome, durationSeconds: duration)) }
        return row
    }

    @Test func rankedByUsesThenLastUseThenId() {
        let days = [
            Self.row("a", "2026-01-31", [true, true]),
            Self.row("b", "2026-01-31", [true, true], minute: 5),
            Self.row("c", "2026-01-30", [true, true, true]),
        ]
        var noTime = UsageDay(day: "2026-01-31", model: "d")
        noTime.uses = 2
        let summary = UsageSummary.build(days: days + [noTime], models: ["z", "y", "a", "b", "c", "d"], window: 7, today: "2026-01-31")
        #expect(summary.models.map(\.model) == ["c", "b", "a", "d", "y", "z"])
        #expect(summary.models.map(\.rank) == [1, 2, 3, 4, 5, 6])
    }

    @Test func daysOutsideTheWindowAreLeftOut() throws {
        let days = [
            Self.row("a", "2026-01-28", [true]),
            Self.row("a", "2026-01-29", [true, true]),
            Self.row("a", "2026-01-31", [false]),
            Self.row("a", "2026-02-01", [true, true, true, true]),
            Self.row("gone", "2026-01-20", [true]),
        ]
        let summary = UsageSummary.build(days: days, models: ["a"], window: 3, today: "2026-01-31")
        #expect(summary.window == 3)
        #expect(summary.from == "2026-01-29")
        #expect(summary.to == "2026-01-31")
        #expect(summary.models.map(\.model) == ["a"])
        let a = try #require(summary.models.first)
        #expect(a.uses == 3)
        #expect(a.usesPerDay == 1)
        #expect(a.perDay.map(\.uses) == [2, 0, 1])
        #expect(a.perDay.map(\.failures) == [0, 0, 1])
        #expect(a.lastUsed == UsageDay.start(of: "2026-01-31")?.addingTimeInterval(12 * 3600))
    }

    @Test func perDayHasEveryDayOfTheWindowAcrossAMonthEnd() throws {
        let summary = UsageSummary.build(days: [Self.row("a", "2026-02-01", [true])], models: ["a"], window: 5, today: "2026-02-02")
        let a = try #require(summary.models.first)
        #expect(a.perDay.map(\.day) == ["2026-01-29", "2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"])
        #expect(a.perDay.map(\.uses) == [0, 0, 0, 1, 0])
        #expect(summary.total.perDay.count == 5)
    }

    @Test func successRateCountsOnlyKnownOutcomes() throws {
        let days = [
            Self.row("mixed", "2026-01-31", [true, true, true, false, nil, nil]),
            Self.row("untold", "2026-01-31", [nil, nil]),
        ]
        let summary = UsageSummary.build(days: days, models: ["mixed", "untold", "unused"], window: 1, today: "2026-01-31")
        let byModel = Dictionary(uniqueKeysWithValues: summary.models.map { ($0.model, $0) })
        let mixed = try #require(byModel["mixed"])
        #expect(mixed.successes == 3 && mixed.failures == 1 && mixed.unknown == 2)
        #expect(mixed.successRate == 0.75)
        #expect(byModel["untold"]?.successRate == nil)
        #expect(byModel["untold"]?.unknown == 2)
        let unused = try #require(byModel["unused"])
        #expect(unused.uses == 0 && unused.successRate == nil && unused.lastUsed == nil)
        #expect(unused.generationSeconds == nil && unused.secondsPerStep == nil && unused.averageWaitSeconds == nil)
        #expect(unused.downloads == nil && unused.verifications == nil)
        #expect(unused.perDay == [DayCount(day: "2026-01-31", uses: 0, failures: 0, mockFallbacks: 0)])
        #expect(unused.peakHours == Array(repeating: 0, count: 24))
    }

    @Test func aModelOutsideTheCatalogIsListedAndTheTotalsCoverAll() throws {
        var first = Self.row("a", "2026-01-31", [true, false], duration: 10)
        first.record(RequestSample(at: .distantPast, kind: .acquire, waitedSeconds: 4, strategy: "mock_generation"))
        first.record(RequestSample(at: .distantPast, kind: .acquire, waitedSeconds: 2))
        first.record(WorkSample(at: .distantPast, kind: .download, bytes: 4_000, seconds: 2, retries: 1))
        let second = Self.row("old", "2026-01-30", [true], minute: 30, duration: 30)
        let summary = UsageSummary.build(days: [first, second], models: ["a", "a"], window: 2, today: "2026-01-31")
        #expect(summary.models.map(\.model) == ["a", "old"])
        let a = try #require(summary.models.first)
        #expect(a.averageWaitSeconds == 3)
        #expect(a.mockFallbacks == 1)
        #expect(a.downloads == ModelUsage.Transfers(count: 1, bytes: 4_000, seconds: 2, retries: 1, bytesPerSecond: 2_000))
        #expect(a.peakHours[12] == 2)
        let total = summary.total
        #expect(total.model == ModelUsage.allModels && total.rank == 0)
        #expect(total.uses == 3 && total.successes == 2 && total.failures == 1)
        #expect(total.usesPerDay == 1.5)
        #expect(total.perDay.map(\.uses) == [1, 2])
        #expect(total.perDay.map(\.mockFallbacks) == [0, 1])
        #expect(total.lastUsed == a.lastUsed)
        let generation = try #require(total.generationSeconds)
        #expect(generation.count == 3)
        #expect(abs(generation.average - 50.0 / 3) < 1e-9)
        #expect(abs(generation.p50 - 10) / 10 <= DurationHistogram.resolution / 2)
        #expect(abs(generation.p95 - 30) / 30 <= DurationHistogram.resolution / 2)
    }

    @Test func aWindowOfNoDaysIsAtLeastOneAndABadTodayIsEmpty() {
        let one = UsageSummary.build(days: [Self.row("a", "2026-01-31", [true])], models: ["a"], window: 0, today: "2026-01-31")
        #expect(one.window == 1 && one.models.first?.uses == 1 && one.models.first?.usesPerDay == 1)
        let none = UsageSummary.build(days: [Self.row("a", "2026-01-31", [true])], models: ["a"], window: 7, today: "yesterday")
        #expect(none.window == 0 && none.models.first?.uses == 0 && none.models.first?.perDay.isEmpty == true)
    }
}
