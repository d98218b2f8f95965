import Foundation
import Glibc
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The store and the verifier with the real daemon, the test hub and real files:
/// adoption, corruption found by the watcher, missing and truncated files, restarts.
@Suite(.timeLimit(.minutes(10))) struct VerificationTests {
    static let repoID = "wan-test/tiny-video"
    static let shard1 = "diffusion_pytorch_model-00001-of-00002.safetensors"
    static let shard2 = "diffusion_pytorch_model-00002-of-00002.safetensors"

    /// A Wan-shaped repo in miniature: two safetensors shards and their index, a config,
    /// a tokenizer file in a subfolder (LFS and regular files both).
    static func repo() -> TestRepo {
        let index = #"{"metadata":{"total_size":2000000},"weight_map":{"a":"\#(shard1)","b":"\#(shard2)"}}"#
        return TestRepo(repoID, files: [
            TestFile("config.json", text: #"{"model_type":"tiny-video"}"#),
            TestFile(shard1, SafetensorsBytes.make([("a", 300_000)], seed: 1)),
            TestFile(shard2, SafetensorsBytes.make([("b", 200_000)], seed: 2)),
            TestFile("diffusion_pytorch_model.safetensors.index.json", text: index),
            TestFile("google/umt5-xxl/spiece.model", size: 100_000, seed: 3),
        ])
    }

    /// A daemon whose store is `<dir>/cache`, with small chunks and a short quiet period.
    static func daemon(scrubEvery: String = "7d", model: String = "tiny-video", repo: String = repoID) throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(daemon.directory.file("cache"))"

            [verify]
            chunk_size = "64KiB"
            quiet_period = "200ms"
            scrub_every = "\(scrubEvery)"
            # These tests look at what checks report; repairs are the download tests' business.
            auto_repair = false

            [[model]]
            id = "\(model)"
            repo = "\(repo)"
            """)
        return daemon
    }

    var cache: (DaemonHarness) -> String { { $0.directory.file("cache") } }

    /// The test hub serving `repo`, and a daemon over a store holding it, verified and available.
    static func running(_ repo: TestRepo, scrubEvery: String = "7d") throws -> (TestHub, DaemonHarness) {
        let hub = try TestHub(repos: [repo])
        let daemon = try Self.daemon(scrubEvery: scrubEvery)
        try HFCacheWriter.write(repo, into: daemon.directory.file("cache"))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState("tiny-video", .available)
        return (hub, daemon)
    }

    func bytesHashed(_ daemon: DaemonHarness) throws -> Int64 {
        try metric("modeld_verify_bytes_hashed_total", daemon)
    }

    func metric(_ name: String, _ daemon: DaemonHarness) throws -> Int64 {
        let text = try daemon.request("metrics").decode(MetricsResult.self).text
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + " ") })
        return try #require(Int64(line.split(separator: " ")[1]))
    }

    @Test func aCacheFilledByTheHFCLIIsAdoptedWithoutDownloadingAByte() throws {
        let repo = Self.repo()
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let daemon = try Self.daemon()
        let download = try HFCLI.download(Self.repoID, hub: hub, cache: cache(daemon), in: daemon.directory)
        #expect(download.status == 0, "hf download failed: \(download.error)")
        let before = hub.log.requests.count

        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        let status = try daemon.waitForState("tiny-video", .available)
        #expect(status.files == ModelStatus.Files(total: 5, verified: 5, missing: [], corrupted: []))
        #expect(status.commit == repo.main.id)
        #expect(status.integrity == 1)
        #expect(status.ready)
        let sinceStart = hub.log.requests.dropFirst(before)
        #expect(sinceStart.allSatisfy { $0.kind == .revision || $0.kind == .tree }, "only the manifest was asked: \(Array(sinceStart))")
        #expect(hub.log.requests(on: .cdn).count == hub.log.requests.prefix(before).filter { $0.listener == .cdn }.count)
        // The stable link leads to the snapshot, and the manifest is kept for offline restarts.
        let layout = StoreLayout(root: cache(daemon))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: daemon.stateDirectory + "/models/tiny-video") == layout.snapshot(Self.repoID, repo.main.id))
        #expect(FileManager.default.fileExists(atPath: layout.tree(Self.repoID, repo.main.id)))
    }

    /// How fast is Benchmarks/detect-latency.sh's to measure; here: that it is found, by
    /// the watcher, with its range, and that only that file is hashed again.
    @Test func aFlippedByteIsReportedWithItsRangeAndOnlyThatFileIsRehashed() throws {
        let repo = Self.repo()
        let (hub, daemon) = try Self.running(repo)
        defer { hub.shutdown() }
        let firstPass = try bytesHashed(daemon)
        #expect(firstPass == Int64(repo.main.files.reduce(0) { $0 + $1.size }), "the first verification reads every file once")

        let watcher = try daemon.client()
        #expect(try watcher.request("subscribe", ["topics": .array([.string("integrity")])]).ok)
        let blob = try HFCacheWriter.blob(repo, Self.shard1, in: cache(daemon))
        let original = try #require(repo.file(Self.shard1)).content[300_000]
        try HFCacheWriter.overwrite(blob, at: 300_000, with: [original ^ 0xFF])

        let event = try WireCodec.decoder.decode(JSONValue.self, from: try #require(try watcher.readLine()))
        #expect(event["event"] == .string("integrity.damaged"))
        #expect(event["file"] == .string(Self.shard1))
        #expect(event["source"] == .string("watch"))
        #expect(event["damaged_ranges"] == .array([.array([.number(262_144), .number(327_680)])]))

        let status = try daemon.waitForState("tiny-video", .corrupted)
        #expect(status.files?.corrupted.map(\.path) == [Self.shard1])
        #expect(status.files?.corrupted.first?.damagedRanges == [ByteRange(262_144, 327_680)])
        #expect(status.actions.map(\.command) == ["modelctl repair tiny-video"])
        let shardSize = Int64(try #require(repo.file(Self.shard1)).size)
        #expect(try bytesHashed(daemon) - firstPass == shardSize, "only the changed file was read again")
    }

    /// A truncated shard with a chunk index is named by the chunks it lost, not as a
    /// whole broken file, so a repair fetches only those.
    @Test func aDeletedFileIsMissingAndATruncatedShardIsNamedByTheChunkItLost() throws {
        let repo = Self.repo()
        let (hub, daemon) = try Self.running(repo)
        defer { hub.shutdown() }

        let shard2 = try HFCacheWriter.blob(repo, Self.shard2, in: cache(daemon))
        let size = Int64(try #require(repo.file(Self.shard2)).size)
        #expect(truncate(shard2, off_t(size - 10)) == 0)
        var status = try daemon.waitForState("tiny-video", .corrupted)
        let damage = try #require(status.files?.corrupted.first)
        #expect(damage.path == Self.shard2)
        let chunk: Int64 = 64 << 10
        #expect(damage.damagedRanges == [ByteRange((size - 1) / chunk * chunk, size)], "\(damage)")
        #expect(damage.reason.contains("\(size - 10) bytes"), "\(damage.reason)")

        let spiece = StoreLayout(root: cache(daemon)).snapshotFile(Self.repoID, repo.main.id, "google/umt5-xxl/spiece.model")
        try FileManager.default.removeItem(atPath: spiece)
        try waitUntil("spiece.model to be missing") {
            status = try daemon.request("status").decode(StatusResult.self).models[0]
            return status.files?.missing == ["google/umt5-xxl/spiece.model"]
        }
        #expect(status.state == .corrupted, "damage outranks absence")
        #expect(status.actions.map(\.command) == ["modelctl repair tiny-video", "modelctl pull tiny-video"])
    }

    @Test func aRestartWithNothingChangedHashesNothingEvenOffline() throws {
        let repo = Self.repo()
        let daemon = try Self.daemon()
        try HFCacheWriter.write(repo, into: cache(daemon))
        do {
            let hub = try TestHub(repos: [repo])
            defer { hub.shutdown() }
            try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
            try daemon.waitForState("tiny-video", .available)
            #expect(try bytesHashed(daemon) > 0)
            #expect(try daemon.stop() == 0)
        }
        // The hub is gone: the kept manifest and the ledger are enough.
        try daemon.startReady()
        let status = try daemon.waitForState("tiny-video", .available)
        #expect(status.verify?.method == .stat)
        #expect(try bytesHashed(daemon) == 0)
        #expect(try metric("modeld_files_verified_total", daemon) == 5)
    }

    @Test func verifyDeepReadsEveryByteAgain() throws {
        let repo = Self.repo()
        let (hub, daemon) = try Self.running(repo)
        defer { hub.shutdown() }
        let first = try bytesHashed(daemon)
        let result = try daemon.request("verify", ["model": .string("tiny-video"), "deep": .bool(true)]).decode(VerifyResult.self)
        #expect(result == VerifyResult(models: ["tiny-video"], deep: true))
        try waitUntil("the deep verification to read everything again") { try bytesHashed(daemon) == 2 * first }
        #expect(try daemon.waitForState("tiny-video", .available).verify?.method == .chunks)
        #expect(try daemon.request("verify", ["model": .string("nope")]).error?.code == .unknownModel)
    }

    @Test func theScrubFindsDamageThatRaisedNoEvent() throws {
        let repo = Self.repo()
        let (hub, daemon) = try Self.running(repo, scrubEvery: "1s")
        defer { hub.shutdown() }
        let watcher = try daemon.client(timeout: .seconds(15))
        #expect(try watcher.request("subscribe", ["topics": .array([.string("integrity")])]).ok)

        // A write through a shared mapping by a process that keeps the file open: inotify
        // reports nothing (no write(2), no close), as with bit rot.
        let blob = try HFCacheWriter.blob(repo, Self.shard2, in: cache(daemon))
        let python = try #require(ChildProcess.which("python3"))
        let writer = try ChildProcess(
            python, ["-c", """
                import mmap, sys, time
                f = open(sys.argv[1], "r+b")
                m = mmap.mmap(f.fileno(), 0)
                m[500000] ^= 0xFF
                m.flush()
                print("written", flush=True)
                time.sleep(60)
                """, blob], environment: ChildProcess.baseEnvironment, outputDirectory: daemon.directory.path)
        defer { writer.signal(SIGKILL) }
        try waitUntil("the mapped write") { writer.output.contains("written") }

        let event = try WireCodec.decoder.decode(JSONValue.self, from: try #require(try watcher.readLine()))
        #expect(event["event"] == .string("integrity.damaged"))
        #expect(event["source"] == .string("scrub"))
        #expect(event["file"] == .string(Self.shard2))
        #expect(event["damaged_ranges"] == .array([.array([.number(458_752), .number(524_288)])]))
    }

    /// Bit rot leaves the stat as it was when the file was verified. A scrub finds it; the
    /// next start must not take the unchanged stat for a good file.
    @Test func bitRotAScrubFoundIsNotTakenForGoodAtTheNextStart() async throws {
        let repo = Self.repo()
        let (hub, daemon) = try Self.running(repo)
        defer { hub.shutdown() }
        _ = try daemon.stop()
        // Rot from below, as a disk does it: the bytes change, and the ledger's stat is the
        // file's stat (user space cannot write without changing the file's ctime).
        let blob = try HFCacheWriter.blob(repo, Self.shard2, in: cache(daemon))
        try HFCacheWriter.overwrite(blob, at: 500_000, with: [0x5A])
        let ledger = try Ledger(path: daemon.stateDirectory + "/ledger.sqlite")
        var record = try #require(try await ledger.verifiedBlob(at: blob))
        record.signature = try #require(try FileStat.signature(blob))
        try await ledger.record(record)

        let config = try String(contentsOfFile: daemon.directory.file("modeld.toml"), encoding: .utf8)
        try daemon.directory.write("modeld.toml", config.replacingOccurrences(of: #"scrub_every = "7d""#, with: #"scrub_every = "1s""#))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState("tiny-video", .corrupted, timeout: .seconds(30))
        _ = try daemon.stop()

        // No scrub this time: only the start-up check looks.
        try daemon.directory.write("modeld.toml", config)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        let status = try daemon.waitForState("tiny-video", .corrupted)
        #expect(status.files?.corrupted.map(\.path) == [Self.shard2], "\(status)")
    }

    @Test func aShardIndexThatNamesAnotherShardSetIsReported() throws {
        let index = #"{"weight_map":{"a":"\#(Self.shard1)","b":"model-00003-of-00003.safetensors"}}"#
        let repo = TestRepo("wan-test/bad-index", files: [
            TestFile(Self.shard1, SafetensorsBytes.make([("a", 1000)])),
            TestFile("diffusion_pytorch_model.safetensors.index.json", text: index),
        ])
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let daemon = try Self.daemon(model: "bad-index", repo: repo.id)
        try HFCacheWriter.write(repo, into: cache(daemon))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        let status = try daemon.waitForState("bad-index", .corrupted)
        let damage = try #require(status.files?.corrupted.first)
        #expect(damage.path == "diffusion_pytorch_model.safetensors.index.json")
        #expect(damage.reason.contains(#"names "model-00003-of-00003.safetensors", which is not present"#), "\(damage.reason)")
        #expect(status.files?.verified == 1, "the shard itself is fine")
    }

    @Test(arguments: ["../escape.txt", "/etc/absolute", "a/../../escape", "nul\u{0}byte"])
    func aManifestPathThatEscapesTheSnapshotIsRejected(hostile: String) throws {
        let repo = TestRepo("evil/repo", files: [TestFile("ok.txt", text: "fine"), TestFile(hostile, text: "payload")])
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let daemon = try DaemonHarness(config: """
            [daemon]
            socket_mode = "0666"

            [[model]]
            id = "evil"
            repo = "evil/repo"
            """)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        let status = try daemon.waitForState("evil", .missing)
        #expect(status.reason?.contains("would escape the snapshot") == true, "\(status.reason ?? "")")
        #expect(status.files == nil, "no file of that manifest is trusted")
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/hub/models--evil--repo/trees"))
    }

    /// A burst of changes larger than the kernel's inotify queue (16,384 events by
    /// default) loses events: the daemon is stopped (SIGSTOP) while 30,000 files appear and
    /// a shard is damaged after the queue is full, so that change reaches nobody. The
    /// overflow must still lead to a rescan that finds it.
    @Test func damageLostInAnInotifyOverflowIsFoundByTheRescanItForces() throws {
        let repo = Self.repo()
        let (hub, daemon) = try Self.running(repo)
        defer { hub.shutdown() }
        let blobs = StoreLayout(root: cache(daemon)).blobsFolder(Self.repoID)
        let shard1 = try HFCacheWriter.blob(repo, Self.shard1, in: cache(daemon))
        let flood = """
            import sys
            folder, blob = sys.argv[1], sys.argv[2]
            for n in range(30000):
                with open(f"{folder}/flood-{n}", "w"): pass
            with open(blob, "r+b") as f:
                f.seek(1000)
                byte = f.read(1)
                f.seek(1000)
                f.write(bytes([byte[0] ^ 0xFF]))
            """
        let process = try #require(daemon.process)
        process.signal(SIGSTOP)
        let run = try ChildProcess.run(
            try #require(ChildProcess.which("python3")), ["-c", flood, blobs, shard1], in: daemon.directory.path, timeout: .seconds(120))
        process.signal(SIGCONT)
        #expect(run.status == 0, "\(run.error)")
        try waitUntil("the overflow to be told", timeout: .seconds(60)) {
            daemon.process?.errorOutput.contains("inotify lost events") == true
        }
        let status = try daemon.waitForState("tiny-video", .corrupted, timeout: .seconds(60))
        #expect(status.files?.corrupted.map(\.path) == [Self.shard1])
    }
}
