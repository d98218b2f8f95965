import Foundation
import Glibc
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The performance watch (issue 15) with the real daemon: generations reported healthy,
/// then slower while something is wrong (a damaged file, a GPU another process fills),
/// tell `health.degraded` once with the remedy for that cause, `health` lists it, and
/// `health.recovered` follows when the generations are back to normal. Slower by less
/// than `[usage] degraded_factor` tells nothing.
@Suite(.timeLimit(.minutes(10))) struct DegradationTests {
    static let model = AvailabilityTests.small
    static let resolution = "1280x704"
    static let metric = "seconds_per_step@1280x704"
    static let healthy = 2.0
    static let slow = 6.0

    /// What a `health.*` event said.
    struct News: Equatable {
        var name: String
        var model: String
        var metric: String
        var baseline: Double
        var current: Double
        var suggestion: Recommendation
    }

    /// A connection subscribed to the `health.*` events of the model.
    static func healthEvents(_ daemon: DaemonHarness, of model: String = model) throws -> ControlClient {
        let client = try daemon.client(timeout: .seconds(30))
        let subscribed = try client.request("subscribe", ["topics": .array([.string("health")]), "models": .array([.string(model)])])
        #expect(subscribed.ok, "\(String(describing: subscribed.error))")
        return client
    }

    /// Every `health.*` event up to and with the first called `name`.
    static func read(until name: String, from client: ControlClient) throws -> [News] {
        var seen: [News] = []
        while true {
            let line = try #require(try client.readLine(), "the daemon closed the subscription before \(name)")
            let event = try ClientEvent(line: line)
            guard case .health(_, let model, let metric, let baseline, let current, let suggestion)? = event.event?.payload else {
                Issue.record("not a health event this version reads: \(String(decoding: line, as: UTF8.self))")
                continue
            }
            seen.append(News(name: event.name, model: model, metric: metric, baseline: baseline, current: current, suggestion: suggestion))
            if event.name == name { return seen }
        }
    }

    /// `count` successful generations at `secondsPerStep`, each recorded (and judged)
    /// by the time its answer comes.
    static func report(_ client: ControlClient, secondsPerStep: Double, count: Int, of model: String = model) throws {
        for _ in 0..<count {
            let response = try client.request("report", [
                "model": .string(model), "duration_s": .number(40 * secondsPerStep), "success": .bool(true),
                "seconds_per_step": .number(secondsPerStep), "resolution": .string(resolution),
            ])
            #expect(response.ok, "\(String(describing: response.error))")
            #expect(try response.decode(ReportResult.self).recorded)
        }
    }

    static func degraded(_ daemon: DaemonHarness) throws -> [HealthResult.Degraded] {
        try daemon.request("health").decode(HealthResult.self).degraded
    }

    @Test func slowerGenerationsWhileAFileIsDamagedSuggestARepairAndRecoverAfterIt() throws {
        let repo = AvailabilityTests.repo(AvailabilityTests.smallRepo)
        let hub = try TestHub(repos: [AvailabilityTests.repo(AvailabilityTests.bigRepo), repo])
        defer { hub.shutdown() }
        // No automatic repair: the file stays damaged until the suggestion is followed.
        let daemon = try AvailabilityTests.daemon(autoRepair: false)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try daemon.waitForState(Self.model, .available, timeout: .seconds(30))
        let events = try Self.healthEvents(daemon)
        let client = try daemon.client()

        try Self.report(client, secondsPerStep: Self.healthy, count: 10)
        #expect(try Self.degraded(daemon).isEmpty)

        let blob = try HFCacheWriter.blob(repo, AvailabilityTests.shard, in: daemon.directory.file("cache"))
        let original = try #require(repo.file(AvailabilityTests.shard)).content[2 << 20]
        try HFCacheWriter.overwrite(blob, at: 2 << 20, with: [original ^ 0xFF])
        let corrupted = try daemon.waitForState(Self.model, .corrupted)
        #expect(corrupted.files?.corrupted.map(\.path) == [AvailabilityTests.shard])

        try Self.report(client, secondsPerStep: Self.slow, count: 5)
        let why = "seconds per step at 1280x704 rose from 2.0 to 6.0 (3.0×) while 1 file is damaged"
        let shown = try Self.degraded(daemon)
        #expect(shown == [HealthResult.Degraded(
            model: Self.model, metric: Self.metric, baseline: Self.healthy, current: Self.slow, cause: "damaged_files",
            suggestion: Recommendation(command: "modelctl repair \(Self.model)", why: "\(Self.model): \(why)"))])
        let health = try daemon.request("health").decode(HealthResult.self)
        #expect(health.recommendations.contains { $0.command == "modelctl repair \(Self.model)" && $0.why.contains("rose from") })

        // The suggestion, followed as printed.
        let command = try #require(shown.first?.suggestion.command.split(separator: " ").map(String.init))
        #expect(command.first == "modelctl")
        let repair = try daemon.modelctl(["--socket", daemon.socketPath] + command.dropFirst())
        #expect(repair.status == 0, "\(repair.output)\(repair.error)")
        try daemon.waitForState(Self.model, .available, timeout: .seconds(30))
        #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(try #require(repo.file(AvailabilityTests.shard)).content))
        // Still slower (no generation since), but no longer for a damaged file: health
        // does not ask for the repair that was just done.
        let afterRepair = try Self.degraded(daemon)
        #expect(afterRepair.map(\.metric) == [Self.metric])
        #expect(afterRepair.map(\.cause) == ["unknown"], "\(afterRepair)")
        let advice = try daemon.request("health").decode(HealthResult.self).recommendations
        #expect(!advice.contains { $0.command == "modelctl repair \(Self.model)" }, "\(advice)")

        try Self.report(client, secondsPerStep: Self.healthy, count: 5)
        // In order: one degraded (for the slow generations, not one per report), then recovered.
        let news = try Self.read(until: "health.recovered", from: events)
        #expect(news.map(\.name) == ["health.degraded", "health.recovered"], "\(news)")
        let degraded = try #require(news.first)
        #expect(degraded.model == Self.model && degraded.metric == Self.metric)
        #expect(degraded.baseline == Self.healthy && degraded.current == Self.slow)
        #expect(degraded.suggestion.command == "modelctl repair \(Self.model)")
        #expect(degraded.suggestion.why == why)
        let recovered = try #require(news.last)
        #expect(recovered.metric == Self.metric && recovered.current == Self.healthy && recovered.baseline == Self.healthy)
        #expect(try Self.degraded(daemon).isEmpty)
        #expect(try !events.hasInputWaiting(), "nothing more after the recovery")
    }

    /// A fake `nvidia-smi` for a 24 GB GPU the reporting process (this test) uses 40 %
    /// of; with `<dir>/gpu-busy`, a process of another pid fills it to 95 %.
    static func fakeGPU(in daemon: DaemonHarness) throws -> (busy: String, other: Int) {
        let busy = daemon.directory.file("gpu-busy")
        let uuid = "GPU-5e7d1c2a-0000-0000-0000-000000000000"
        let other = 999_999
        try ResourcesTests.fakeNvidiaSMI(
            """
            case "$*" in
              *--query-gpu*)
                if [ -e "\(busy)" ]; then
                  echo "0, \(uuid), NVIDIA GeForce RTX 4090, 24564, 23336, 1228, 98, 71"
                else
                  echo "0, \(uuid), NVIDIA GeForce RTX 4090, 24564, 9830, 14734, 0, 34"
                fi ;;
              *--query-compute-apps*)
                echo "\(uuid), \(getpid()), python3, 9800"
                if [ -e "\(busy)" ]; then echo "\(uuid), \(other), ./gpu_burn, 13500"; fi ;;
            esac
            """, in: daemon)
        return (busy, other)
    }

    @Test func slowerGenerationsOnAGPUAnotherProcessFillsSuggestLookingAtTheGPU() throws {
        // Read at start and when `resources` asks, not behind the test's back.
        let daemon = try AvailabilityTests.daemon(extra: "\n[gpu]\npoll_every = \"1h\"")
        let (busy, other) = try Self.fakeGPU(in: daemon)
        try daemon.startReady()
        try waitUntil("the GPU is known") { try daemon.request("resources").decode(ResourcesResult.self).gpus?.first?.processes.count == 1 }
        let events = try Self.healthEvents(daemon)
        let client = try daemon.client()

        try Self.report(client, secondsPerStep: Self.healthy, count: 10)
        #expect(try Self.degraded(daemon).isEmpty, "the reporter's own process on the GPU is no other process")

        #expect(FileManager.default.createFile(atPath: busy, contents: nil))
        let resources = try daemon.request("resources").decode(ResourcesResult.self)
        #expect(resources.gpus?.first?.processes.map(\.pid) == [Int(getpid()), other], "\(resources)")
        #expect(resources.gpus?.first?.memoryUsedMiB == 23336)

        try Self.report(client, secondsPerStep: Self.slow, count: 5)
        let shown = try Self.degraded(daemon)
        #expect(shown.count == 1, "\(shown)")
        let figure = try #require(shown.first)
        #expect(figure.model == Self.model && figure.metric == Self.metric)
        #expect(figure.cause == "gpu_busy")
        #expect(figure.suggestion.command == "nvidia-smi")

        let news = try Self.read(until: "health.degraded", from: events)
        #expect(news.count == 1)
        let degraded = try #require(news.first)
        #expect(degraded.metric == Self.metric && degraded.baseline == Self.healthy && degraded.current == Self.slow)
        #expect(degraded.suggestion.command == "nvidia-smi")
        #expect(degraded.suggestion.why.contains("1 other process was on GPU 0"), "\(degraded.suggestion.why)")
        #expect(degraded.suggestion.why.contains("95 % used"), "\(degraded.suggestion.why)")
        #expect(figure.suggestion.why == "\(Self.model): \(degraded.suggestion.why)")

        // The other process gone, generations as fast as before: recovered.
        #expect(unlink(busy) == 0)
        #expect(try daemon.request("resources").decode(ResourcesResult.self).gpus?.first?.processes.count == 1)
        try Self.report(client, secondsPerStep: Self.healthy, count: 5)
        #expect(try Self.read(until: "health.recovered", from: events).map(\.name) == ["health.recovered"])
        #expect(try Self.degraded(daemon).isEmpty)
    }

    @Test func generationsSlowerByLessThanTheFactorAreNoDegradation() throws {
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady()
        let events = try Self.healthEvents(daemon)
        let client = try daemon.client()

        try Self.report(client, secondsPerStep: Self.healthy, count: 10)
        try Self.report(client, secondsPerStep: 1.3 * Self.healthy, count: 5)
        #expect(try Self.degraded(daemon).isEmpty, "1.3× is under the default degraded_factor of 1.5")

        // At the factor it is: and that is the first health event the subscriber sees,
        // so none came for the generations before.
        try Self.report(client, secondsPerStep: 1.5 * Self.healthy, count: 3)
        let news = try Self.read(until: "health.degraded", from: events)
        #expect(news.count == 1)
        #expect(news.first?.current == 1.5 * Self.healthy && news.first?.baseline == Self.healthy, "\(news)")
        let shown = try Self.degraded(daemon)
        #expect(shown.map(\.metric) == [Self.metric])
        #expect(shown.first?.cause == "unknown", "nothing explains it: the model is not even here")
        #expect(shown.first?.suggestion.command == "modelctl verify \(Self.model) --deep")
    }

    @Test func aDegradationOutlivesARestart() throws {
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady()
        let client = try daemon.client()
        try Self.report(client, secondsPerStep: Self.healthy, count: 10)
        try Self.report(client, secondsPerStep: Self.slow, count: 5)
        let before = try Self.degraded(daemon)
        #expect(before.map(\.metric) == [Self.metric])
        #expect(try daemon.stop() == 0)

        try daemon.startReady()
        // Judged again from the ledger at start, behind the READY.
        try waitUntil("health lists the degraded figure again") { try Self.degraded(daemon) == before }
        // And it is the same degradation, not a new one: generations back to normal end it.
        let events = try Self.healthEvents(daemon)
        try Self.report(try daemon.client(), secondsPerStep: Self.healthy, count: 5)
        #expect(try Self.read(until: "health.recovered", from: events).map(\.name) == ["health.recovered"])
        #expect(try Self.degraded(daemon).isEmpty)
    }

    /// Slower since an update: the remedy is the rollback, and after it the figures are back.
    @Test func slowerGenerationsSinceAnUpdateSuggestTheRollback() throws {
        let (hub, daemon) = try UpdateTests.started()
        defer { hub.shutdown() }
        let model = UpdateTests.model
        // The pull's own figures are in `usage` too: bytes, time, throughput.
        let usage = try daemon.request("usage", ["model": .string(model)]).decode(UsageResult.self)
        let pulled = try #require(usage.models.first?.downloads)
        #expect(pulled.count == 1 && pulled.bytes == UpdateTests.files.reduce(0) { $0 + Int64($1.content.count) })
        #expect((pulled.bytesPerSecond ?? 0) > 0 && pulled.retries == 0)
        let events = try Self.healthEvents(daemon, of: model)
        let client = try daemon.client()
        try Self.report(client, secondsPerStep: Self.healthy, count: 10, of: model)
        let new = try hub.update(UpdateTests.repoID) { repo in repo.commit(UpdateTests.nextFiles).id }
        let update = try daemon.modelctl(["--socket", daemon.socketPath, "update", model])
        #expect(update.status == 0 && update.output.contains("now on \(new.prefix(12))"), "\(update.output)\(update.error)")

        try Self.report(client, secondsPerStep: Self.slow, count: 5, of: model)
        let degraded = try Self.read(until: "health.degraded", from: events)
        #expect(degraded.map(\.name) == ["health.degraded"] && degraded.first?.suggestion.command == "modelctl rollback \(model)")
        #expect(degraded.first?.suggestion.why.contains("since the update") == true, "\(degraded.first?.suggestion.why ?? "")")
        #expect(try Self.degraded(daemon).map(\.cause) == ["new_commit"])

        let rollback = try daemon.modelctl(["--socket", daemon.socketPath, "rollback", model])
        #expect(rollback.status == 0, "\(rollback.output)\(rollback.error)")
        try Self.report(client, secondsPerStep: Self.healthy, count: 5, of: model)
        #expect(try Self.read(until: "health.recovered", from: events).map(\.name) == ["health.recovered"])
        #expect(try Self.degraded(daemon).isEmpty)
    }
}
