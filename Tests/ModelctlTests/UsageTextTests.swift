import Foundation
import ModeldCore
import ModeldProtocol
import Testing

@testable import modelctl

/// What `modelctl usage` prints: the charts, the ranked table and the one-model view.
@Suite struct UsageTextTests {
    /// 2026-12-03T12:00:00Z, the day the fixtures' window ends.
    static let now = Date(timeIntervalSince1970: 1_796_299_200)
    static let days = (4...30).map { "2026-11-\($0 < 10 ? "0" : "")\($0)" } + ["2026-12-01", "2026-12-02", "2026-12-03"]

    static func usage(_ model: String, rank: Int, uses: Int, lastUsedDaysAgo: Double? = nil) -> ModelUsage {
        var hours = Array(repeating: 0, count: 24)
        hours[9] = uses
        return ModelUsage(
            model: model, rank: rank, uses: uses, usesPerDay: Double(uses) / 30,
            lastUsed: lastUsedDaysAgo.map { now.addingTimeInterval(-$0 * 86_400) }, successes: uses, failures: 0, unknown: 0,
            successRate: uses > 0 ? 1 : nil,
            generationSeconds: uses > 0 ? UsageDistribution(count: uses, average: 60, p50: 58, p95: 75) : nil,
            peakHours: hours, perDay: days.map { DayCount(day: $0, uses: $0 == "2026-12-03" ? uses : 0) })
    }

    static func result(_ models: [ModelUsage], mockFallbacks: Int = 0) -> UsageResult {
        let uses = models.map(\.uses).reduce(0, +)
        return UsageResult(
            days: 30, from: "2026-11-04", to: "2026-12-03", models: models,
            total: UsageResult.Total(
                uses: uses, successes: uses, failures: 0, unknown: 0, acquires: uses, mockFallbacks: mockFallbacks,
                perDay: days.map { DayCount(day: $0, uses: $0 == "2026-12-03" ? uses : 0) }))
    }

    @Test func aSparklineScalesToTheLargestCountAndDotsIdleDays() {
        #expect(UsageText.cells([0, 1, 4, 8]) == "·▁▄█")
        #expect(UsageText.cells([1, 100]) == "▁█", "any use shows")
        #expect(UsageText.cells([0, 0, 0]) == "···")
        #expect(UsageText.cells([7]) == "█")
        #expect(UsageText.cells([]) == "")
    }

    @Test func aLongWindowFoldsIntoAtMost60CellsOfWholeDays() {
        let sixty = UsageText.folded(Array(1...60))
        #expect(sixty.counts == Array(1...60) && sixty.perCell == 1)
        let ninety = UsageText.folded(Array(1...90))
        #expect(ninety.perCell == 2 && ninety.counts.count == 45)
        #expect(ninety.counts.first == 1 + 2 && ninety.counts.last == 89 + 90)
        let tenYears = UsageText.folded(Array(repeating: 1, count: 3650))
        #expect(tenYears.perCell == 61 && tenYears.counts.count == 60)
        #expect(tenYears.counts.first == 3650 - 59 * 61, "the oldest cell is the short one")
        #expect(tenYears.counts.dropFirst().allSatisfy { $0 == 61 })
        let lines = UsageText.sparkline("Uses per day", Array(repeating: 0, count: 89) + [5], from: "2026-09-05", to: "2026-12-03")
        #expect(lines == [
            "Uses per day    " + String(repeating: "·", count: 44) + "█",
            "                2026-09-05" + String(repeating: " ", count: 25) + "2026-12-03  (2 days a cell)",
        ])
        #expect(lines.allSatisfy { $0.count <= 100 })
    }

    @Test func peakHoursMoveToTheClientsZoneAcrossMidnight() {
        var utc = Array(repeating: 0, count: 24)
        utc[23] = 4
        utc[2] = 2
        let east = UsageText.localHours(utc, utcOffset: 3600)
        #expect(east[0] == 4 && east[3] == 2 && east[23] == 0)
        let west = UsageText.localHours(utc, utcOffset: -5 * 3600)
        #expect(west[18] == 4 && west[21] == 2)
        #expect(UsageText.localHours(utc, utcOffset: 19_800)[5] == 4, "UTC+05:30 moves by the nearest hour, 6")
        #expect(UsageText.localHours([1, 2], utcOffset: 0) == [1, 2] + Array(repeating: 0, count: 22), "a short list is padded")
        #expect(UsageText.peakHours("Peak hours", utc, utcOffset: 3600) == [
            "Peak hours      █··▄····················  UTC+01",
            "                0     6     12    18",
        ])
        #expect(
            [0, 3600, -5 * 3600, 19_800, -12_600].map { UsageText.zone(utcOffset: $0) }
                == ["UTC", "UTC+01", "UTC-05", "UTC+05:30", "UTC-03:30"])
    }

    @Test func theTableFollowsTheRankAndAZeroUseModelReadsNever() {
        let models = [
            Self.usage("i2v-A14B", rank: 2, uses: 12, lastUsedDaysAgo: 3),
            Self.usage("t2v-A14B", rank: 3, uses: 0),
            Self.usage("ti2v-5B", rank: 1, uses: 40, lastUsedDaysAgo: 0.1),
        ]
        #expect(UsageText.table(models, now: Self.now, utcOffset: 0) == """
            RANK  MODEL     USES  /DAY  SUCCESS  P50  P95    LAST USED
            1     ti2v-5B   40    1.33  100%     58s  1m15s  2026-12-03 (2h ago)
            2     i2v-A14B  12    0.40  100%     58s  1m15s  2026-11-30 (3d ago)
            3     t2v-A14B  0     0     -        -    -      never
            """)
    }

    @Test func everyModelGetsTotalsTheTableChartsAndTheMockFallbacks() {
        let text = UsageText.describe(
            Self.result([Self.usage("ti2v-5B", rank: 1, uses: 40, lastUsedDaysAgo: 1), Self.usage("t2v-A14B", rank: 2, uses: 0)], mockFallbacks: 3),
            model: nil, now: Self.now, utcOffset: 3600)
        #expect(text == """
            Usage over 30 days, 2026-11-04 to 2026-12-03 (UTC days)
            40 uses: 40 succeeded, 0 failed, 0 unknown; 40 acquires

            RANK  MODEL     USES  /DAY  SUCCESS  P50  P95    LAST USED
            1     ti2v-5B   40    1.33  100%     58s  1m15s  2026-12-02 (1d ago)
            2     t2v-A14B  0     0     -        -    -      never

            Uses per day    ·····························█
                            2026-11-04          2026-12-03
            Peak hours      ··········█·············  UTC+01
                            0     6     12    18
            3 requests got no real model: mock output (pull the model: modelctl pull MODEL)
            """)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test func theMockLineNamesThePullWhenOneModelFellBack() {
        var model = Self.usage("ti2v-5B", rank: 1, uses: 1)
        model.mockFallbacks = 1
        #expect(UsageText.mockFallbacks(Self.result([model], mockFallbacks: 1))
            == ["1 request got no real model: mock output (pull the model: modelctl pull ti2v-5B)"])
        #expect(UsageText.mockFallbacks(Self.result([model])).isEmpty)
    }

    @Test func oneModelShowsEachFigureOnALabelledLine() {
        var model = Self.usage("ti2v-5B", rank: 1, uses: 40, lastUsedDaysAgo: 2)
        model.successes = 38
        model.failures = 2
        model.successRate = 0.95
        model.generationSeconds = UsageDistribution(count: 40, average: 93.1, p50: 90.5, p95: 130.2)
        model.secondsPerStep = UsageDistribution(count: 40, average: 2.33, p50: 2.26, p95: 3.25)
        model.acquires = 45
        model.averageWaitSeconds = 1.2
        model.mockFallbacks = 2
        model.suggests = 3
        model.downloads = ModelUsage.Transfers(count: 1, bytes: 34_359_738_368, seconds: 340, retries: 1, bytesPerSecond: 101_059_525)
        model.verifications = ModelUsage.Transfers(count: 2, bytes: 68_719_476_736, seconds: 57.3, bytesPerSecond: 1_199_292_787)
        let text = UsageText.describe(
            Self.result([model, Self.usage("t2v-A14B", rank: 2, uses: 0)]), model: "ti2v-5B", now: Self.now, utcOffset: 3600)
        #expect(text == """
            ti2v-5B, rank 1, over 30 days, 2026-11-04 to 2026-12-03 (UTC days)
            Uses            40, 1.33 per day; last 2026-12-01 13:00 (2d ago)
            Success         95% (38 succeeded, 2 failed, 0 unknown)
            Generation      p50 1m31s, p95 2m10s, average 1m33s (40 timed)
            Per step        p50 2.3s, p95 3.3s, average 2.3s (40 timed)
            Acquires        45, waited 1.2s on average
            Mock output     2 requests got no real model (pull it: modelctl pull ti2v-5B)
            Suggest         asked for an alternative 3 times
            Downloads       1, 32 GiB in 5m40s at 96.4 MiB/s, 1 retry
            Verifications   2, 64 GiB in 57s at 1.1 GiB/s
            Uses per day    ·····························█
                            2026-11-04          2026-12-03
            Peak hours      ··········█·············  UTC+01
                            0     6     12    18
            """)
    }

    @Test func aModelNeverUsedSaysSoAndLeavesOutWhatItHasNoneOf() {
        let text = UsageText.describe(Self.result([Self.usage("t2v-A14B", rank: 1, uses: 0)]), model: "t2v-A14B", now: Self.now, utcOffset: 0)
        #expect(text.contains("Uses            0, 0 per day; last never"))
        #expect(text.contains("Success         - (0 succeeded, 0 failed, 0 unknown)"))
        #expect(text.contains("Generation      not timed"))
        for absent in ["Per step", "Mock output", "Suggest", "Downloads", "Verifications"] {
            #expect(!text.contains(absent), "\(absent)")
        }
    }

    @Test(arguments: [
        (0.85, "850ms"), (0, "0ms"), (4.2, "4.2s"), (9.96, "10s"), (42, "42s"), (59.6, "1m00s"), (92, "1m32s"),
        (3900, "1h05m"), (273_600, "3d04h"), (-1, "?"), (.nan, "?"), (.infinity, "?"),
    ] as [(Double, String)])
    func durationsAreShortAndReadable(seconds: Double, text: String) {
        #expect(UsageText.duration(seconds) == text)
    }

    @Test func agesCountTheLargestWholeUnit() {
        #expect(UsageText.age(of: Self.now.addingTimeInterval(-30), now: Self.now) == "just now")
        #expect(UsageText.age(of: Self.now.addingTimeInterval(60), now: Self.now) == "just now", "a clock ahead")
        #expect(UsageText.age(of: Self.now.addingTimeInterval(-5 * 60), now: Self.now) == "5m ago")
        #expect(UsageText.age(of: Self.now.addingTimeInterval(-3 * 86_400 - 7200), now: Self.now) == "3d ago")
        #expect(UsageText.lastUsed(Self.now.addingTimeInterval(-13 * 3600), now: Self.now, utcOffset: -3600) == "2026-12-02 (13h ago)")
    }

    @Test func theWindowIsCheckedBeforeTheDaemonIsAsked() throws {
        #expect(throws: (any Error).self) { try ModelCtl.parseAsRoot(["usage", "--days", "0"]) }
        #expect(throws: (any Error).self) { try ModelCtl.parseAsRoot(["usage", "--days", "3651"]) }
        let parsed = try #require(try ModelCtl.parseAsRoot(["usage", "ti2v-5B", "--days", "7"]) as? Usage)
        #expect(parsed.model == "ti2v-5B" && parsed.days == 7)
    }
}
