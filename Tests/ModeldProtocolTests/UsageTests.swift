import Foundation
import ModeldCore
import ModeldProtocol
import Testing

/// The wire shape of `usage` and of a status's `usage` line (PROTOCOL.md).
@Suite struct UsageTests {
    static let lastUsed = Date(timeIntervalSince1970: 1_795_000_000)

    static let result = UsageResult(
        days: 2, from: "2026-11-04", to: "2026-11-05",
        models: [
            ModelUsage(
                model: "ti2v-5B", rank: 1, uses: 40, usesPerDay: 1.33, lastUsed: lastUsed, successes: 38, failures: 2,
                unknown: 0, successRate: 0.95, generationSeconds: UsageDistribution(count: 40, average: 93.1, p50: 90.5, p95: 130.2),
                secondsPerStep: UsageDistribution(count: 30, average: 2.3, p50: 2.2, p95: 3.1),
                peakHours: Array(repeating: 1, count: 24),
                perDay: [DayCount(day: "2026-11-04", uses: 0), DayCount(day: "2026-11-05", uses: 40, failures: 2, mockFallbacks: 2)],
                acquires: 45, averageWaitSeconds: 1.2, mockFallbacks: 2, suggests: 3,
                downloads: ModelUsage.Transfers(count: 1, bytes: 34_203_123_497, seconds: 340, retries: 1, bytesPerSecond: 100_597_422),
                verifications: ModelUsage.Transfers(count: 2, bytes: 68_406_246_994, seconds: 60.5, bytesPerSecond: 1_130_681_768)),
            ModelUsage(
                model: "t2v-A14B", rank: 2, uses: 0, usesPerDay: 0, lastUsed: nil, successes: 0, failures: 0, unknown: 0,
                successRate: nil, peakHours: Array(repeating: 0, count: 24),
                perDay: [DayCount(day: "2026-11-04", uses: 0), DayCount(day: "2026-11-05", uses: 0)]),
        ],
        total: UsageResult.Total(
            uses: 40, successes: 38, failures: 2, unknown: 0, acquires: 45, mockFallbacks: 2,
            perDay: [DayCount(day: "2026-11-04", uses: 0), DayCount(day: "2026-11-05", uses: 40, failures: 2, mockFallbacks: 2)]))

    @Test func aResultRoundTripsWithTheContractsFieldNames() throws {
        let line = try WireCodec.line(Self.result)
        #expect(try WireCodec.decoder.decode(UsageResult.self, from: line) == Self.result)
        let text = String(decoding: line, as: UTF8.self)
        for key in [
            "days", "from", "to", "timezone", "models", "total", "model", "rank", "uses", "uses_per_day", "last_used",
            "successes", "failures", "unknown", "success_rate", "generation_s", "seconds_per_step", "peak_hours", "per_day",
            "acquires", "average_wait_s", "mock_fallbacks", "suggests", "downloads", "verifications", "count", "average",
            "p50", "p95", "day", "bytes", "seconds", "retries", "bytes_per_second",
        ] {
            #expect(text.contains("\"\(key)\":"), "key \(key)")
        }
        #expect(text.contains(#""last_used":"2026-11-18T"#), "an RFC 3339 time like the protocol's other times")
        #expect(text.contains(#""timezone":"UTC""#))
    }

    @Test func figuresAModelHasNoneOfAreAbsentAndReadBackAsNil() throws {
        let object = try WireCodec.decoder.decode(JSONValue.self, from: try WireCodec.line(Self.result.models[1]))
        for key in ["last_used", "success_rate", "generation_s", "seconds_per_step", "average_wait_s", "downloads", "verifications"] {
            #expect(object[key] == nil, "\(key) absent")
        }
        let explicit = #"{"model":"m","rank":1,"uses":0,"uses_per_day":0,"last_used":null,"successes":0,"failures":0,"unknown":0,"success_rate":null,"peak_hours":[],"per_day":[],"acquires":0,"mock_fallbacks":0,"suggests":0,"downloads":null}"#
        let decoded = try WireCodec.decoder.decode(ModelUsage.self, from: Data(explicit.utf8))
        #expect(decoded.lastUsed == nil && decoded.successRate == nil && decoded.downloads == nil)
    }

    @Test func argumentsReadTheWindowAndDefaultTo30Days() throws {
        let request = try Request.parse(Data(#"{"cmd":"usage","model":"ti2v-5B","days":7}"#.utf8))
        #expect(try request.arguments(UsageArguments.self) == UsageArguments(model: "ti2v-5B", days: 7))
        #expect(try UsageArguments.checkDays(7) == 7)
        #expect(try UsageArguments.checkDays(nil) == 30)
        #expect(try Request.parse(Data(#"{"cmd":"usage"}"#.utf8)).arguments(UsageArguments.self) == UsageArguments())
    }

    @Test(arguments: [1, 3650])
    func acceptsWindowsAtTheBounds(days: Int) throws {
        #expect(try UsageArguments.checkDays(days) == days)
    }

    @Test(arguments: [0, -1, 3651, Int.max])
    func refusesWindowsOutsideTenYears(days: Int) throws {
        let error = try #require(throws: ProtocolError.self) { try UsageArguments.checkDays(days) }
        #expect(error.code == .badRequest)
        #expect(error.message.contains("from 1 to 3650"))
        #expect(error.hint != nil)
    }

    @Test func aStatusCarriesItsUsageLineOnlyWhenKnown() throws {
        var status = ModelStatus(model: "m", repo: "o/m", revision: "main", state: .available, ready: true, path: "/p/m", pinned: false)
        #expect(!String(decoding: try WireCodec.line(status), as: UTF8.self).contains("usage"))
        status.usage = UsageLine(uses: 40, usesPerDay: 3.1, lastUsed: Date(timeIntervalSince1970: 1_795_255_080))
        let line = try WireCodec.line(status)
        let object = try WireCodec.decoder.decode(JSONValue.self, from: line)
        #expect(object["usage"] == .object([
            "uses": .number(40), "uses_per_day": .number(3.1), "last_used": .string("2026-11-21T09:58:00Z"),
        ]))
        #expect(try WireCodec.decoder.decode(ModelStatus.self, from: line) == status)
    }
}
