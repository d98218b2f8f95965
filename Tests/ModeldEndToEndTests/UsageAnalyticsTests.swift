import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `usage` with the real daemon: what generation services did, counted exactly, kept
/// across a restart, drawn by `modelctl usage` on a terminal, and fast on a ledger of
/// 100,000 reports.
@Suite(.timeLimit(.minutes(10))) struct UsageAnalyticsTests {
    typealias Arguments = [String: JSONValue]

    /// One generation of the test: which model, how long, whether it worked.
    struct Cycle {
        var model: String
        var seconds: Double
        var success: Bool
    }

    /// 200 generations over the two models: three in five on the big one, one in ten failed.
    static let cycles: [Cycle] = (0..<200).map { (index: Int) -> Cycle in
        let model = index % 5 < 3 ? AvailabilityTests.big : AvailabilityTests.small
        let seconds = 10 + Double(index % 37) * 2.5
        return Cycle(model: model, seconds: seconds, success: index % 10 != 9)
    }

    /// The nearest-rank percentile of `values`.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((fraction * Double(sorted.count)).rounded(.up)) - 1)]
    }

    /// The daemon with both catalog models in its store, verified and available.
    /// The bytes of a test model's files.
    static func repoBytes(_ model: String) -> Int64 {
        let repo = model == AvailabilityTests.big
            ? AvailabilityTests.repo(AvailabilityTests.bigRepo) : AvailabilityTests.repo(AvailabilityTests.smallRepo, seed: 2)
        return repo.main.files.reduce(0) { $0 + Int64($1.content.count) }
    }

    /// `before` runs before the daemon starts (on its ledger, say).
    static func bothModelsAvailable(
        extra: String = "", before: (DaemonHarness) async throws -> Void = { _ in }
    ) async throws -> (TestHub, DaemonHarness) {
        let repos = [AvailabilityTests.repo(AvailabilityTests.bigRepo), AvailabilityTests.repo(AvailabilityTests.smallRepo, seed: 2)]
        let hub = try TestHub(repos: repos)
        let daemon = try AvailabilityTests.daemon(extra: extra)
        try await before(daemon)
        for repo in repos { try HFCacheWriter.write(repo, into: daemon.directory.file("cache")) }
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        for model in [AvailabilityTests.big, AvailabilityTests.small] { try daemon.waitForState(model, .available) }
        return (hub, daemon)
    }

    static func usage(_ client: ControlClient, _ arguments: Arguments = [:]) throws -> UsageResult {
        let response = try client.request("usage", arguments)
        #expect(response.ok, "\(String(describing: response.error))")
        return try response.decode(UsageResult.self)
    }

    @Test func usageMatchesWhatWasDoneSurvivesARestartAndIsDrawnOnATerminal() async throws {
        let (hub, daemon) = try await Self.bothModelsAvailable()
        defer { hub.shutdown() }
        let client = try daemon.client()
        for cycle in Self.cycles {
            let lease = try #require(try AvailabilityTests.acquire(client, cycle.model).lease)
            let released = try client.request(
                "release", ["lease": .string(lease), "success": .bool(cycle.success), "duration_s": .number(cycle.seconds)])
            #expect(released.ok, "\(String(describing: released.error))")
        }

        let answer = try Self.usage(client)
        #expect(answer.days == 30 && answer.to == UsageDay.day(of: Date()))
        #expect(answer.models.map { $0.model } == [AvailabilityTests.big, AvailabilityTests.small], "ranked by use")
        #expect(answer.total.uses == 200 && answer.total.acquires == 200)
        for (rank, usage) in answer.models.enumerated() {
            let mine = Self.cycles.filter { $0.model == usage.model }
            let successes = mine.count { $0.success }
            #expect(usage.rank == rank + 1)
            #expect(usage.uses == mine.count && usage.acquires == mine.count)
            #expect(usage.successes == successes && usage.failures == mine.count - successes && usage.unknown == 0)
            #expect(usage.successRate == Double(successes) / Double(mine.count))
            #expect(usage.perDay.count == 30 && usage.perDay.last?.uses == mine.count)
            #expect(usage.peakHours.reduce(0, +) == mine.count)
            // Put in the store by another tool, each model was read whole once at start.
            #expect(usage.verifications?.count == 1 && usage.verifications?.bytes == Self.repoBytes(usage.model), "\(String(describing: usage.verifications))")
            #expect(abs(usage.usesPerDay - Double(mine.count) / 30) < 1e-9)
            let generation = try #require(usage.generationSeconds)
            let seconds = mine.map(\.seconds)
            #expect(generation.count == mine.count)
            #expect(abs(generation.average - seconds.reduce(0, +) / Double(mine.count)) < 1e-9, "the average is exact")
            // A bucket is `resolution` wide; its middle is within half of that of any value in it.
            for fraction in [0.5, 0.95] {
                let exact = Self.percentile(seconds, fraction)
                let answered = fraction == 0.5 ? generation.p50 : generation.p95
                #expect(abs(answered - exact) / exact <= DurationHistogram.resolution, "p\(Int(fraction * 100)): \(answered) vs \(exact)")
            }
        }
        let metrics = try daemon.request("metrics").decode(MetricsResult.self).text
        for usage in answer.models {
            #expect(metrics.contains("modeld_model_uses_total{model=\"\(usage.model)\",outcome=\"success\"} \(usage.successes)\n"), "\(metrics)")
            #expect(metrics.contains("modeld_model_uses_total{model=\"\(usage.model)\",outcome=\"failure\"} \(usage.failures)\n"))
            #expect(metrics.contains("modeld_generation_seconds_count{model=\"\(usage.model)\"} \(usage.uses)\n"))
            #expect(metrics.contains("modeld_generation_seconds_bucket{model=\"\(usage.model)\",le=\"+Inf\"} \(usage.uses)\n"))
        }
        #expect(metrics.contains("modeld_generation_seconds_bucket{model=\"\(AvailabilityTests.big)\",le=\"10\"} 4\n"), "four took 10 s")
        let status = try daemon.request("status", ["model": .string(AvailabilityTests.big)]).decode(StatusResult.self)
        #expect(status.models.first?.usage?.uses == 120 && status.models.first?.usage?.lastUsed != nil)

        // A lease dropped with its connection is a use of unknown outcome, and no generation time.
        do {
            let dropping = try daemon.client()
            #expect(try AvailabilityTests.acquire(dropping, AvailabilityTests.big).ready)
        }
        var dropped = answer
        try waitUntil("the dropped lease to count") {
            dropped = try Self.usage(client)
            return dropped.total.uses == 201
        }
        let busiest = try #require(dropped.models.first)
        #expect(busiest.unknown == 1 && busiest.generationSeconds == answer.models.first?.generationSeconds)

        try daemon.stop()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try Self.usage(try daemon.client()) == dropped, "the same answer after a restart")

        // `script` gives modelctl a terminal, as a person at a shell has.
        let run = try ChildProcess.run(
            "/usr/bin/script", ["-qec", "\(Binaries.modelctl) --socket \(daemon.socketPath) usage", "/dev/null"],
            environment: ChildProcess.baseEnvironment.merging(["TZ": "UTC"]) { $1 }, in: daemon.directory.path)
        #expect(run.status == 0, "\(run.error)")
        let big = try #require(run.output.range(of: AvailabilityTests.big))
        let small = try #require(run.output.range(of: AvailabilityTests.small))
        #expect(big.lowerBound < small.lowerBound, "the most used first:\n\(run.output)")
        #expect(run.output.contains("█"), "a sparkline whose last day is the tallest:\n\(run.output)")
    }

    /// 100,000 reports in the ledger (each filed into its day as the daemon files one, ten
    /// thousand to a transaction so the set-up is not the suite's longest wait), then `usage`
    /// answers from the days' aggregates: what it reads grows with days × models, not with
    /// reports. The time is printed, not asserted (a measurement, not a condition: a
    /// loaded 2-core CI machine would make a bound flaky).
    @Test func usageStaysFastOnAHundredThousandReports() async throws {
        let daemon = try AvailabilityTests.daemon()
        let ledgerPath = daemon.stateDirectory + "/ledger.sqlite"
        do {
            let ledger = try Ledger(path: ledgerPath)
            let start = Date().addingTimeInterval(-29 * 86_400)
            func report(_ index: Int) -> UsageRecord {
                let model = index.isMultiple(of: 3) ? AvailabilityTests.small : AvailabilityTests.big
                let secondsPerStep = 2 + Double(index % 10) / 10
                return UsageRecord(
                    model: model, commit: nil, at: start.addingTimeInterval(Double(index) * 25), durationSeconds: Double(20 + index % 100),
                    success: index % 17 != 0, source: .report, secondsPerStep: secondsPerStep)
            }
            for batch in stride(from: 0, to: 100_000, by: 10_000) {
                try await ledger.record(uses: (batch..<batch + 10_000).map(report))
            }
        }
        let size = try FileManager.default.attributesOfItem(atPath: ledgerPath)[.size] as? Int ?? 0
        print("ledger after 100,000 reports: \(size) bytes (main file; the WAL aside)")
        try daemon.startReady(environment: ["HF_ENDPOINT": DaemonHarness.noHub])
        let client = try daemon.client()
        var times: [Duration] = []
        for _ in 0..<5 {
            let began = ContinuousClock.now
            let answer = try Self.usage(client)
            times.append(ContinuousClock.now - began)
            #expect(answer.total.uses == 100_000)
        }
        print("usage over 100,000 reports: \(times.map { "\($0)" }.joined(separator: ", "))")
        let days = try await Ledger(path: ledgerPath).usageDays()
        #expect(days.count == Set(days.map { "\($0.model) \($0.day)" }).count && days.count <= 2 * 31, "one row per model and day")
    }

    /// `cleanup --dry-run` offers the least used model first, with its uses and last use
    /// beside it, and never a pinned or a leased one.
    @Test func cleanupOffersTheLeastUsedFirstAndSparesPinnedAndLeased() async throws {
        let (hub, daemon) = try await Self.bothModelsAvailable()
        defer { hub.shutdown() }
        let client = try daemon.client()
        // The small one is used more, but longer ago: fewer uses counts first.
        for (model, times) in [(AvailabilityTests.small, 3), (AvailabilityTests.big, 1)] {
            for _ in 0..<times {
                #expect(try client.request("report", ["model": .string(model), "duration_s": .number(30), "success": .bool(true)]).ok)
            }
        }
        func dryRun() throws -> CleanupResult {
            try client.request("cleanup", ["dry_run": .bool(true), "target_free_bytes": .number(1e15)]).decode(CleanupResult.self)
        }
        let plan = try dryRun()
        let offered = plan.candidates.filter { $0.kind == .model }
        #expect(offered.map { $0.model } == [AvailabilityTests.big, AvailabilityTests.small], "the least used first")
        #expect(offered.map { $0.uses } == [1, 3] && offered.allSatisfy { $0.lastUsed != nil })
        #expect(offered.first?.reason.contains("used 1 time in 30 days") == true, "\(offered.first?.reason ?? "")")

        #expect(try client.request("keep", ["model": .string(AvailabilityTests.small)]).ok)
        let lease = try #require(try AvailabilityTests.acquire(client, AvailabilityTests.big).lease)
        let spared = try dryRun()
        #expect(spared.candidates.allSatisfy { $0.kind != .model }, "nothing pinned or leased is offered")
        #expect(Set(spared.kept.map { $0.model }) == [AvailabilityTests.big, AvailabilityTests.small])
        #expect(try client.request("release", ["lease": .string(lease)]).ok)
    }

    /// Requests for a model that is not here: each mock fallback is counted (`usage`,
    /// `metrics`), and `health` recommends pulling the models most asked for.
    @Test func mockFallbacksAreCountedAndHealthRecommendsPullingWhatIsAskedFor() async throws {
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": DaemonHarness.noHub])
        try daemon.waitForState(AvailabilityTests.big, .missing)
        let client = try daemon.client()
        for _ in 0..<3 {
            #expect(try AvailabilityTests.acquire(client, AvailabilityTests.big).strategy == .mockGeneration)
        }
        #expect(try client.request("suggest", ["model": .string(AvailabilityTests.small)]).ok)

        let answer = try Self.usage(client)
        let big = try #require(answer.models.first { $0.model == AvailabilityTests.big })
        let small = try #require(answer.models.first { $0.model == AvailabilityTests.small })
        #expect(big.acquires == 3 && big.mockFallbacks == 3 && big.uses == 0 && big.perDay.last?.mockFallbacks == 3)
        #expect(small.suggests == 1 && small.acquires == 0)
        #expect(answer.total.mockFallbacks == 3)
        let metrics = try client.request("metrics").decode(MetricsResult.self).text
        #expect(metrics.contains("modeld_mock_fallbacks_total{model=\"\(AvailabilityTests.big)\"} 3\n"), "\(metrics)")

        let health = try client.request("health").decode(HealthResult.self)
        let pulls = health.recommendations.filter { $0.command.hasPrefix("modelctl pull") }
        #expect(pulls.map { $0.command } == ["modelctl pull \(AvailabilityTests.big)", "modelctl pull \(AvailabilityTests.small)"], "most asked first")
        #expect(pulls.first?.why.contains("asked for 3 times") == true && pulls.first?.why.contains("3 of them fell back to mock output") == true)
    }

    /// `health` offers to evict what no generation used for `[usage] unused_after`, with
    /// what it frees; a use takes the offer back.
    @Test func healthOffersToFreeModelsUnusedForLong() async throws {
        let (hub, daemon) = try await Self.bothModelsAvailable(extra: "\n[usage]\nunused_after = \"1h\"") { daemon in
            try await Ledger(path: daemon.stateDirectory + "/ledger.sqlite").record(UsageRecord(
                model: AvailabilityTests.big, commit: nil, at: Date().addingTimeInterval(-2 * 3600), durationSeconds: 60,
                success: true, source: .report))
        }
        defer { hub.shutdown() }
        func evictions() throws -> [Recommendation] {
            try daemon.request("health").decode(HealthResult.self).recommendations.filter { $0.command.hasPrefix("modelctl evict") }
        }
        let offered = try evictions()
        #expect(Set(offered.map { $0.command }) == ["modelctl evict \(AvailabilityTests.big)", "modelctl evict \(AvailabilityTests.small)"])
        #expect(offered.allSatisfy { ($0.freesBytes ?? 0) > 0 }, "each with what it frees")
        let big = try #require(offered.first { $0.command.hasSuffix(AvailabilityTests.big) })
        #expect(big.why.contains("not used for 2 hours"), "\(big.why)")
        #expect(offered.first { $0.command.hasSuffix(AvailabilityTests.small) }?.why.contains("never used") == true)

        #expect(try daemon.request("report", ["model": .string(AvailabilityTests.big), "duration_s": .number(60), "success": .bool(true)]).ok)
        #expect(try evictions().map { $0.command } == ["modelctl evict \(AvailabilityTests.small)"], "a model used now is not offered")
    }
}
