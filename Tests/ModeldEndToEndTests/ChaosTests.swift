import Foundation
import ModeldTestSupport
import Testing

/// A pull of a Wan-shaped model through seeded chaos: hub faults, a full disk, `kill -9`
/// and a restart, a flipped byte and a removed file in the store, a reload. Whatever the
/// seed, the model must end available, a valid Hugging Face cache with the repo's bytes,
/// having cost the hub little more than the model's size. The seed is printed; replay a
/// failure with `MODELD_CHAOS_SEED=<seed> swift test --skip-build --filter ChaosTests`.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ChaosTests {
    static let shards = (1...3).map { "diffusion_pytorch_model-0000\($0)-of-00003.safetensors" }

    /// About 39 MiB: three safetensors shards of 24, 12 and 2 MiB (the first fetched as
    /// three pieces, the second as two), their index, a config and a tokenizer file in a
    /// subfolder.
    static func repo() -> TestRepo {
        let index = #"{"metadata":{"total_size":1},"weight_map":{"a":"\#(shards[0])","b":"\#(shards[1])","c":"\#(shards[2])"}}"#
        return TestRepo(DownloadTests.repoID, files: [
            TestFile("config.json", text: #"{"model_type":"tiny-video"}"#),
            TestFile(shards[0], SafetensorsBytes.make([("a", 6 << 20)], seed: 1)),
            TestFile(shards[1], SafetensorsBytes.make([("b", 3 << 20)], seed: 2)),
            TestFile(shards[2], SafetensorsBytes.make([("c", 512 << 10)], seed: 3)),
            TestFile("diffusion_pytorch_model.safetensors.index.json", text: index),
            TestFile("google/umt5-xxl/spiece.model", size: 1 << 20, seed: 4),
        ])
    }

    /// What the hub may send beyond the model's size: each fault, the kill and the full
    /// disk lose what was in flight, a wrong small file is fetched again whole.
    static let bytesSentBound = 1.3

    @Test func aPullThroughSeededChaosEndsWholeVerifiedAndFetchedAboutOnce() throws {
        // Seed 2 is the one that found two of the bugs it guards against; MODELD_CHAOS_SEED
        // explores others (13 were run when it was written).
        let seed = try SplitMix64.seed("MODELD_CHAOS_SEED", default: 2)
        let repo = Self.repo()
        let plan = ChaosPlan(seed: seed, smallFiles: repo.main.files.filter { $0.size < 4 << 20 }.map(\.path))
        print(plan)
        // Each answer at 2.5 MB/s, about five at once: some 3 s of bytes.
        let run = try ChaosRun(repo: repo, bytesPerSecond: 2_500_000)
        let started = ContinuousClock.now
        do {
            try run.start()
            for moment in plan.moments where moment.fraction == 0 { try run.perform(moment.step) }
            try run.pull()
            for moment in plan.moments where moment.fraction > 0 {
                try run.wait(for: moment.fraction)
                print("chaos: \(moment.step)")
                try run.perform(moment.step)
            }
            try waitUntil("the model available with every file whole", timeout: .seconds(90)) { try run.isWhole() }
        } catch {
            Issue.record("\(error)\n\(plan)\n\(run.evidence)")
            return
        }
        let took = started.duration(to: .now)
        // Before `hf` asks the hub for its listing.
        let sent = run.hub.log.totalBodyBytesSent

        let verify = try HFCLI.run(
            ["cache", "verify", repo.id, "--cache-dir", run.store, "--fail-on-missing-files"], hub: run.hub, in: run.daemon.directory)
        #expect(verify.status == 0, "hf cache verify: \(verify.output)\(verify.error)\n\(plan)\n\(run.evidence)")

        let ratio = Double(sent) / Double(run.modelSize)
        let planned = plan.moments.filter { if case .hubFault = $0.step { true } else { false } }.count
        let met = run.hub.log.requests.filter { $0.fault != nil }.count
        print(
            "chaos seed \(seed): whole after \(took.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))); "
                + "the hub sent \(sent) bytes for a model of \(run.modelSize) (\(String(format: "%.3f", ratio))x); "
                + "\(met) of \(planned) planned faults met a request")
        #expect(ratio < Self.bytesSentBound, "the hub sent \(sent) bytes for \(run.modelSize)\n\(plan)\n\(run.evidence)")
    }
}
