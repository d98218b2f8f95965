import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The running daemon against generated hostile input (PROTOCOL.md: "Nothing a client
/// sends can crash the daemon or change state it was not allowed to change"). Seeded:
/// each test prints its seed, and `MODELD_FUZZ_SEED=<seed>` replays a failure.
@Suite(.timeLimit(.minutes(10))) struct FuzzTests {
    static let protected = "tiny-video"
    static let repo = TestRepo("wan-test/tiny-video", files: [
        TestFile("config.json", text: #"{"model_type":"tiny-video"}"#),
        TestFile("diffusion_pytorch_model.safetensors", SafetensorsBytes.make([("a", 100_000)], seed: 7)),
    ])

    /// A verified model to protect, pinned (so `cleanup` may not take it), and a second
    /// one the hub does not have, which can never become ready. Both list sizes, so the
    /// fallback advisor compares them with whatever resolution a request names.
    static func config(store: String) -> String {
        """
        [daemon]
        socket_mode = "0666"
        store_dir = "\(store)"

        [disk]
        warn_below = "0"

        [verify]
        quiet_period = "200ms"

        [[model]]
        id = "\(protected)"
        repo = "\(repo.id)"
        tasks = ["t2v"]
        sizes = ["1280*720"]
        keep = true

        [[model]]
        id = "tiny"
        repo = "test-org/tiny"
        tasks = ["t2v", "i2v"]
        sizes = ["1280*720", "720*1280"]
        min_vram_gb = 8
        """
    }

    @Test func thousandsOfHostileRequestsEachGetOneAnswerAndChangeNothing() throws {
        let seed = try SplitMix64.seed(default: 0x6D6F_6465_6C64)
        print("FuzzTests.requests: seed \(seed); MODELD_FUZZ_SEED=\(seed) replays this run")
        // A folder requests name (as `dir`, as models, as topics) whose contents must not
        // change, and paths they name that must never come to exist.
        let sentinel = try TemporaryDirectory(prefix: "modeld-fuzz-sentinel")
        try sentinel.write("precious.txt", "do not touch")
        try sentinel.write("inner/deeper.bin", [0, 1, 2, 255])
        let escapeName = "fuzz-escape-" + sentinel.path.suffix(6)

        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        let daemon = try DaemonHarness(config: "")
        let store = daemon.directory.file("cache")
        try daemon.directory.write("modeld.toml", Self.config(store: store))
        let repoFolder = try HFCacheWriter.write(Self.repo, into: store)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.protected, .available)
        let storeBefore = try TreeFingerprint.of(repoFolder)
        let sentinelBefore = try TreeFingerprint.of(sentinel.path)

        var fuzzer = RequestFuzzer(
            seed: seed, protected: Self.protected, unready: "tiny", escapeTarget: "/tmp/" + escapeName, sentinel: sentinel.path)
        let lines = (0..<5_000).map { _ in fuzzer.next() }
        var cutter = SplitMix64(seed: seed ^ 0xBA7C)
        var run = FuzzRun(socketPath: daemon.socketPath)
        let began = ContinuousClock.now
        for batch in FuzzRun.batches(lines, random: &cutter) {
            try run.send(batch)
            if daemon.process?.hasExited == true || run.problems.count >= 20 { break }
        }
        let elapsed = ContinuousClock.now - began
        print("FuzzTests.requests: \(lines.count) lines, \(run.answers) answers on \(run.connections) connections in \(elapsed); \(run.outcomes.sorted { $0.key < $1.key })")

        let process = try #require(daemon.process)
        if process.hasExited {
            Issue.record("the daemon died with status \(try process.waitForExit()) (seed \(seed)):\n\(process.errorOutput.suffix(3_000))")
            return
        }
        #expect(run.problems.isEmpty, "seed \(seed):\n\(run.problems.joined(separator: "\n"))")
        #expect(run.answers == lines.filter { $0.answer != .none }.count || !run.problems.isEmpty)
        #expect(try daemon.request("status").ok, "status answers after the run")

        // The protected model: still available, its files and links exactly as before.
        try daemon.waitForState(Self.protected, .available)
        #expect(try TreeFingerprint.of(repoFolder) == storeBefore)
        #expect(try TreeFingerprint.of(sentinel.path) == sentinelBefore)
        #expect(TreeFingerprint.entries(in: "/tmp", startingWith: escapeName).isEmpty)
        #expect(TreeFingerprint.entries(in: "/", startingWith: escapeName).isEmpty)
        #expect(try TreeFingerprint.of(daemon.directory.path).keys.filter { $0.contains(escapeName) }.isEmpty)
    }

    /// A hub whose tree listings are hostile (paths that escape, sizes and digests that
    /// lie, pages without end or leading elsewhere), and a snapshot folder holding a link
    /// out of the store: every `pull` is refused with a hint or fails inside the store,
    /// nothing appears outside it, and the daemon keeps answering.
    @Test func hostileManifestsAreRefusedAndWriteNothingOutsideTheStore() throws {
        let outside = try TemporaryDirectory(prefix: "modeld-fuzz-outside")
        let escapeName = "fuzz-escape-" + outside.path.suffix(6)
        let cases = HostileManifest.all(escape: "/tmp/" + escapeName) + [HostileManifest.throughSymlink]
        var options = TestHub.Options()
        for hostile in cases { options.rawTrees[hostile.repoID] = hostile.listing }
        let hub = try TestHub(repos: cases.map { TestRepo($0.repoID, files: $0.repoFiles) }, options: options)
        defer { hub.shutdown() }

        let daemon = try DaemonHarness(config: "")
        let store = daemon.directory.file("cache")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(store)"

            [disk]
            warn_below = "0"

            [downloads]
            max_retries = 0

            """ + cases.map { "[[model]]\nid = \"\($0.name)\"\nrepo = \"\($0.repoID)\"\n" }.joined(separator: "\n"))
        let symlinked = TestRepo(HostileManifest.throughSymlink.repoID, files: HostileManifest.throughSymlink.repoFiles)
        let snapshot = StoreLayout(root: store).snapshot(symlinked.id, symlinked.main.id)
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: snapshot + "/evil", withDestinationPath: outside.path)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])

        let began = ContinuousClock.now
        let process = try #require(daemon.process)
        for hostile in cases {
            guard let answer = try? daemon.client(timeout: .seconds(60)).request("pull", ["model": .string(hostile.name)]) else {
                let status = process.hasExited ? "died with status \(try process.waitForExit())" : "did not answer"
                Issue.record("pull \(hostile.name): the daemon \(status):\n\(process.errorOutput.suffix(3_000))")
                return
            }
            let code = answer.error?.code
            switch hostile.outcome {
            case .refused:
                #expect(code == .hubError, "\(hostile.name): \(String(describing: answer.error))")
            case .neverAvailable, .anything:
                #expect(answer.ok || [.hubError, .noSpace, .notFound].contains(code), "\(hostile.name): \(String(describing: answer.error))")
            }
            if let error = answer.error { #expect(error.hint?.isEmpty == false, "\(hostile.name): a failure says what to do") }
        }
        for hostile in cases {
            let settled = try Self.settled(hostile.name, daemon)
            if hostile.outcome != .anything { #expect(settled != .available, "\(hostile.name)") }
        }
        print("FuzzTests.manifests: \(cases.count) hostile listings pulled and settled in \(ContinuousClock.now - began)")

        #expect(!process.hasExited, "the daemon died:\n\(process.errorOutput.suffix(3_000))")
        #expect(try daemon.request("status").ok)
        let throughLink = try TreeFingerprint.of(outside.path)
        #expect(throughLink.isEmpty, "written through the link: \(throughLink)")
        #expect(TreeFingerprint.entries(in: "/tmp", startingWith: escapeName).isEmpty)
        #expect(TreeFingerprint.entries(in: "/", startingWith: escapeName).isEmpty)
        #expect(try TreeFingerprint.of(daemon.directory.path).keys.filter { $0.contains(escapeName) }.isEmpty)
        let storeEntries = try FileManager.default.contentsOfDirectory(atPath: store)
        #expect(storeEntries.allSatisfy { $0.hasPrefix("models--hostile--") || $0 == ".locks" }, "\(storeEntries)")
    }

    /// The state once nothing is under way for `model` any more.
    static func settled(_ model: String, _ daemon: DaemonHarness) throws -> ModelState {
        var state = ModelState.unknown
        try waitUntil("\(model) to settle (now \(state.rawValue))", timeout: .seconds(30)) {
            state = try daemon.request("status", ["model": .string(model)]).decode(StatusResult.self).models[0].state
            return ![.unknown, .verifying, .queued, .downloading, .repairing, .updating].contains(state)
        }
        return state
    }
}
