import Foundation
import Glibc
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Synchronization
import Testing

/// `acquire` and what follows it, with the real daemon against the test hub: waiters
/// woken the moment a model is verified, damage found and repaired, leases that keep
/// `evict` away, every strategy of a not-ready answer, and downloads started by policy.
@Suite(.timeLimit(.minutes(10))) struct AvailabilityTests {
    static let big = "t2v-big"
    static let small = "ti2v-small"
    static let bigRepo = "wan-test/t2v-big"
    static let smallRepo = "wan-test/ti2v-small"
    static let shard = "diffusion_pytorch_model.safetensors"

    static func repo(_ id: String, size: Int = 4 << 20, seed: UInt64 = 1) -> TestRepo {
        TestRepo(id, files: [
            TestFile("config.json", text: #"{"model_type":"wan"}"#),
            TestFile(shard, SafetensorsBytes.make([("w", size / 4)], seed: seed)),
        ])
    }

    /// Two models as the Wan2.2 catalog has them: a big one for one task that needs a big
    /// GPU, a small one that serves it at a slightly different size on 24 GB.
    static func daemon(autoDownload: Bool = false, autoRepair: Bool = true, quietPeriod: String = "200ms", extra: String = "") throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(daemon.directory.file("cache"))"

            [downloads]
            backoff_initial = "100ms"

            [verify]
            chunk_size = "1MiB"
            quiet_period = "\(quietPeriod)"
            auto_repair = \(autoRepair)

            [disk]
            reserve = "0"

            [[model]]
            id = "\(big)"
            repo = "\(bigRepo)"
            tasks = ["t2v"]
            sizes = ["1280*720"]
            min_vram_gb = 80
            quality = 1.0
            auto_download = \(autoDownload)

            [[model]]
            id = "\(small)"
            repo = "\(smallRepo)"
            tasks = ["t2v", "i2v", "ti2v"]
            sizes = ["1280*704"]
            min_vram_gb = 24
            quality = 0.8
            approx_size = "4MiB"
            \(extra)
            """)
        return daemon
    }

    static func acquire(_ client: ControlClient, _ model: String, wait: Double = 0, needs: [String: JSONValue]? = nil) throws -> AcquireResult {
        var arguments: [String: JSONValue] = ["model": .string(model), "wait_s": .number(wait)]
        if let needs { arguments["needs"] = .object(needs) }
        let response = try client.request("acquire", arguments)
        #expect(response.ok, "\(String(describing: response.error))")
        return try response.decode(AcquireResult.self)
    }

    @Test func tenWaitersGetThePathTheMomentItIsVerifiedAndASubscriberSeesEveryStep() throws {
        let hub = try TestHub(repos: [Self.repo(Self.bigRepo, size: 16 << 20), Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        // About 3 s for the shard: the waiters are all parked before it is in.
        hub.faults.enqueue(.throttle(bytesPerSecond: 6_000_000), for: .download(Self.shard), times: 100)
        let daemon = try Self.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.big, .missing)
        let events = try daemon.client(timeout: .seconds(60))
        #expect(try events.request("subscribe", ["topics": .array([.string("model")]), "models": .array([.string(Self.big)])]).ok)
        #expect(try daemon.request("pull", ["model": .string(Self.big)]).ok)

        let answers = Mutex<[(AcquireResult, ContinuousClock.Instant, missing: [String])]>([])
        let done = DispatchGroup()
        let socket = daemon.socketPath
        let files = try #require(hub.repo(Self.bigRepo)).main.files.map(\.path)
        for _ in 0..<10 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                guard let client = try? ControlClient(path: socket, timeout: .seconds(60)),
                    let result = try? Self.acquire(client, Self.big, wait: 60)
                else { return }
                // `ready` means the files are there, through the path and the link, the
                // moment the answer arrives.
                let missing = files.flatMap { file in
                    [result.path, result.link].compactMap { $0 }.map { $0 + "/" + file }
                }.filter { !FileManager.default.fileExists(atPath: $0) }
                answers.withLock { $0.append((result, .now, missing)) }
            }
        }
        var states: [(to: String, seq: Double)] = []
        var availableAt: ContinuousClock.Instant?
        while availableAt == nil, let line = try events.readLine() {
            let event = try WireCodec.decoder.decode(JSONValue.self, from: line)
            states.append((event["to"]?.string ?? "?", event["seq"]?.number ?? 0))
            if event["to"]?.string == "available" { availableAt = .now }
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(states.map(\.to) == ["queued", "downloading", "verifying", "available"])
        #expect(states.map(\.seq) == states.indices.map { Double($0 + 1) }, "seq goes up by one: \(states)")

        let results = answers.withLock { $0 }
        #expect(results.count == 10)
        let available = try #require(availableAt)
        for (result, at, missing) in results {
            #expect(result.ready)
            #expect(missing.isEmpty, "answered ready while \(missing) did not exist")
            #expect(result.commit == hub.repo(Self.bigRepo)?.main.id)
            #expect(result.path == daemon.directory.file("cache") + "/models--wan-test--t2v-big/snapshots/" + (result.commit ?? ""))
            #expect(result.link == daemon.stateDirectory + "/models/" + Self.big)
            // Answered when it became ready, not when `wait_s` ran out (generous: a loaded
            // 2-core machine runs other suites beside this one).
            #expect(at - available < .seconds(5), "a waiter answered \(at - available) after the model became available")
        }
        #expect(Set(results.compactMap(\.0.lease)).count == 10, "each waiter has its own lease")
    }

    @Test func aWaiterThatHangsUpIsLetGoAtOnceWhileAHalfCloseStillGetsItsAnswer() throws {
        let hub = try TestHub(repos: [Self.repo(Self.bigRepo, size: 16 << 20), Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        // About 80 s for the shard: the model stays downloading for the whole test.
        hub.faults.enqueue(.throttle(bytesPerSecond: 200_000), for: .download(Self.shard), times: 100)
        let daemon = try Self.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.big)]).ok)
        func openConnections() throws -> Int {
            let text = try daemon.request("metrics").decode(MetricsResult.self).text
            let line = text.split(separator: "\n").first { $0.hasPrefix("modeld_control_connections ") }
            return line.flatMap { Int($0.split(separator: " ")[1]) } ?? -1
        }

        do {
            let leaving = try daemon.client()
            try leaving.send(line: Data(#"{"cmd":"acquire","model":"\#(Self.big)","wait_s":60}"#.utf8))
            try waitUntil("the waiter is connected") { try openConnections() == 2 }
        }
        // Counted until its request ends: the hang-up ends it, not the 60 s.
        try waitUntil("the daemon lets the waiter go", timeout: .seconds(3)) { try openConnections() == 1 }

        // `echo … | socat` shuts its sending side at once and still reads the answer.
        let halfClosed = try daemon.client(timeout: .seconds(10))
        try halfClosed.send(line: Data(#"{"cmd":"acquire","model":"\#(Self.big)","wait_s":1}"#.utf8))
        try halfClosed.shutdownSending()
        let line = try #require(try halfClosed.readLine())
        let answer = try WireCodec.decoder.decode(Response.self, from: line).decode(AcquireResult.self)
        #expect(!answer.ready && answer.strategy == .queueAndWait, "\(answer)")
    }

    @Test func aDamagedShardIsNotHandedOutAndIsRepairedFirst() throws {
        let repo = Self.repo(Self.bigRepo, size: 8 << 20)
        let hub = try TestHub(repos: [repo, Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        // A long quiet period: the change waits for its check when acquire comes.
        let daemon = try Self.daemon(quietPeriod: "5s")
        try HFCacheWriter.write(repo, into: daemon.directory.file("cache"))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.big, .available)
        let client = try daemon.client(timeout: .seconds(60))
        #expect(try Self.acquire(client, Self.big).ready)

        // Damage in the middle of the shard; once the watcher has seen it, ask.
        let blob = try HFCacheWriter.blob(repo, Self.shard, in: daemon.directory.file("cache"))
        try HFCacheWriter.overwrite(blob, at: 5 << 20, with: [0xFF, 0x00, 0xFF])
        try waitUntil("the watcher sees the change") {
            let status = try daemon.request("status", ["model": .string(Self.big)]).decode(StatusResult.self).models[0]
            return status.verify?.pendingChanges == 1
        }
        // The change is checked at once, found damaged and repaired: the answer is either
        // "on its way" or, if all of that fit in the quick check's time, ready with good bytes.
        let first = try Self.acquire(client, Self.big)
        if first.ready {
            #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(try #require(repo.file(Self.shard)).content), "damaged bytes handed out")
        } else {
            #expect([.downloadAndRetry, .queueAndWait].contains(first.strategy), "\(first.message ?? "")")
        }
        let second = try Self.acquire(client, Self.big, wait: 60)
        #expect(second.ready)
        #expect(hub.log.bodyBytesSent(file: Self.shard) <= 2 << 20, "only the damaged chunk comes again")
        #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(try #require(repo.file(Self.shard)).content))
    }

    /// Two files broken at once, as a person with `rm` and a full disk might: one lost, one cut
    /// short. The watcher's check finds the lost one first and its download is planned and
    /// starts (slowly: the hub waits 2 s before answering); the short one is found while that
    /// download is planned or runs, and is mended after it (or, found before the plan read
    /// the files, with it). The waiter gets the path at the end, never "mock output".
    @Test func twoFilesBrokenAtOnceAreBothMendedBeforeTheWaiterGetsThePath() throws {
        let repo = Self.repo(Self.bigRepo, size: 64 << 20)
        let hub = try TestHub(repos: [repo, Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        let daemon = try Self.daemon()
        let cache = daemon.directory.file("cache")
        try HFCacheWriter.write(repo, into: cache)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.big, .available)
        // The lost file comes slowly: its download is still running when the other's check ends.
        hub.faults.enqueue(.delay(.seconds(2)), for: .resolve("config.json", in: Self.bigRepo))

        let config = try HFCacheWriter.blob(repo, "config.json", in: cache)
        let shard = try HFCacheWriter.blob(repo, Self.shard, in: cache)
        try FileManager.default.removeItem(atPath: config)
        #expect(Glibc.truncate(shard, 1_000_000) == 0, "truncate: \(String(cString: strerror(errno)))")
        let answer = try Self.acquire(try daemon.client(timeout: .seconds(90)), Self.big, wait: 60)
        let log = daemon.process?.errorOutput ?? ""
        #expect(answer.ready, "\(answer.message ?? "")\n\(log.suffix(3000))")
        // The short shard got what it lacked, not all of it again.
        #expect(hub.log.bodyBytesSent(file: Self.shard) <= (64 << 20) - 1_000_000 + (2 << 20), "\(log.suffix(3000))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: shard)) == Data(try #require(repo.file(Self.shard)).content))
        #expect(try Data(contentsOf: URL(fileURLWithPath: config)) == Data(try #require(repo.file("config.json")).content))
    }

    /// The big model laid out in the store as `hf download` leaves it, the daemon started
    /// over it and the model available; the hub serves both models.
    static func bigAlreadyInTheStore() throws -> (repo: TestRepo, hub: TestHub, daemon: DaemonHarness, cache: String) {
        let repo = Self.repo(Self.bigRepo)
        let hub = try TestHub(repos: [repo, Self.repo(Self.smallRepo)])
        let daemon = try Self.daemon()
        let cache = daemon.directory.file("cache")
        do {
            try HFCacheWriter.write(repo, into: cache)
            try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
            try daemon.waitForState(Self.big, .available)
        } catch {
            hub.shutdown()
            throw error
        }
        return (repo, hub, daemon, cache)
    }

    @Test func aLeaseKeepsEvictAwayUntilReleasedOrItsConnectionCloses() async throws {
        let (repo, hub, daemon, cache) = try Self.bigAlreadyInTheStore()
        defer { hub.shutdown() }
        let blob = try HFCacheWriter.blob(repo, Self.shard, in: cache)

        let service = try daemon.client()
        let lease = try #require(try Self.acquire(service, Self.big).lease)
        let refused = try daemon.modelctl(["--socket", daemon.socketPath, "evict", Self.big, "--yes"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("in use") && refused.error.contains("(conflict)"), "\(refused.error)")
        #expect(FileManager.default.fileExists(atPath: blob))
        let released = try service.request("release", ["lease": .string(lease), "success": .bool(true), "duration_s": .number(42)])
        #expect(released.ok)
        #expect(try !service.request("release", ["lease": .string(lease)]).ok, "a lease ends once")

        let evicted = try daemon.modelctl(["--socket", daemon.socketPath, "evict", Self.big, "--yes"])
        #expect(evicted.status == 0, "\(evicted.error)")
        #expect(evicted.output.contains("2 files deleted"), "\(evicted.output)")
        #expect(!FileManager.default.fileExists(atPath: blob))
        #expect(FileManager.default.fileExists(atPath: cache + "/models--wan-test--t2v-big/refs/main"), "the manifest stays")
        let status = try daemon.waitForState(Self.big, .missing)
        #expect(status.actions.contains { $0.command == "modelctl pull \(Self.big)" })

        // Back again; a lease held by a connection that then closes ends with it.
        #expect(try daemon.request("pull", ["model": .string(Self.big)]).ok)
        try daemon.waitForState(Self.big, .available)
        do {
            let leaving = try daemon.client()
            #expect(try Self.acquire(leaving, Self.big).ready)
            #expect(try !daemon.request("evict", ["model": .string(Self.big)]).ok)
        }
        try waitUntil("the closed connection's lease ends") { try daemon.request("evict", ["model": .string(Self.big)]).ok }

        let ledger = try Ledger(path: daemon.stateDirectory + "/ledger.sqlite")
        let uses = try await ledger.uses(of: Self.big, since: .distantPast)
        #expect(uses.map(\.source) == [.release, .disconnect])
        #expect(uses.first?.success == true && uses.first?.durationSeconds == 42)
        #expect(uses.last?.success == nil)
    }

    @Test func theLeasedCommitsOwnSnapshotIsThePathAndTheStableLinkIsBeside() throws {
        let (repo, hub, daemon, cache) = try Self.bigAlreadyInTheStore()
        defer { hub.shutdown() }

        let answer = try Self.acquire(try daemon.client(), Self.big)
        let commit = try #require(answer.commit)
        #expect(commit == repo.main.id)
        let snapshot = cache + "/models--wan-test--t2v-big/snapshots/" + commit
        #expect(answer.path == snapshot, "no update or reload moves it")
        let link = daemon.stateDirectory + "/models/" + Self.big
        #expect(answer.link == link)
        #expect(FileManager.default.fileExists(atPath: snapshot + "/" + Self.shard))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == snapshot)

        let shell = try daemon.modelctl(["--socket", daemon.socketPath, "acquire", Self.big])
        #expect(shell.status == 0, "\(shell.error)")
        #expect(shell.output == snapshot + "\n", "modelctl prints the path")
        let json = try daemon.modelctl(["--socket", daemon.socketPath, "--json", "acquire", Self.big])
        let printed = try WireCodec.decoder.decode(JSONValue.self, from: Data(json.output.utf8))
        #expect(printed["path"] == .string(snapshot) && printed["link"] == .string(link))
    }

    @Test func evictingOneOfTwoModelsThatShareBlobsLeavesTheOtherAvailable() throws {
        let repo = Self.repo(Self.bigRepo)
        let hub = try TestHub(repos: [repo, Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        let daemon = try Self.daemon(extra: """

            [[model]]
            id = "configs"
            repo = "\(Self.bigRepo)"
            include = ["*.json"]
            """)
        try HFCacheWriter.write(repo, into: daemon.directory.file("cache"))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.big, .available)
        try daemon.waitForState("configs", .available)
        let result = try daemon.request("evict", ["model": .string(Self.big)]).decode(EvictResult.self)
        #expect(result.sharedKept == ["config.json"])
        #expect(result.removedFiles == 1)
        #expect(result.freedBytes == Int64(try #require(repo.file(Self.shard)).content.count))
        try daemon.waitForState(Self.big, .missing)
        #expect(try daemon.waitForState("configs", .available).ready)
        let client = try daemon.client()
        #expect(try Self.acquire(client, "configs").ready)
    }

    @Test func withNothingReadyTheAnswerIsMockOutputAndHowToSetUp() throws {
        let daemon = try Self.daemon(autoRepair: false)
        try daemon.startReady(environment: ["HF_ENDPOINT": DaemonHarness.noHub])
        try daemon.waitForState(Self.big, .missing)
        let client = try daemon.client()
        let answer = try Self.acquire(client, Self.big, wait: 30, needs: ["task": .string("t2v")])
        #expect(!answer.ready)
        #expect(answer.strategy == .mockGeneration, "waiting cannot help: the answer comes at once")
        #expect(answer.message?.contains("mock output") == true, "\(answer.message ?? "")")
        #expect(answer.hint?.hasPrefix("modelctl pull \(Self.big)") == true, "\(answer.hint ?? "")")
        #expect(answer.setup?.command == "modelctl pull \(Self.small)", "the model that needs the least GPU memory")
        let status = try daemon.request("status").decode(StatusResult.self)
        #expect(status.setup?.model == Self.small)

        let shell = try daemon.modelctl(["--socket", daemon.socketPath, "acquire", Self.big])
        #expect(shell.status == 1)
        #expect(shell.output.isEmpty, "stdout carries only a path")
        #expect(shell.error.contains("mock_generation") && shell.error.contains("hint: modelctl pull \(Self.big)"), "\(shell.error)")
    }

    @Test func aReadyModelThatCanServeTheTaskIsTheAlternative() throws {
        let hub = try TestHub(repos: [Self.repo(Self.bigRepo), Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        let daemon = try Self.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.small, .missing)
        #expect(try daemon.request("pull", ["model": .string(Self.small)]).ok)
        try daemon.waitForState(Self.small, .available)

        let client = try daemon.client()
        let answer = try Self.acquire(client, Self.big, needs: ["task": .string("t2v"), "resolution": .string("1280*720"), "vram_gb": .number(24)])
        #expect(answer.strategy == .alternativeModel)
        let alternative = try #require(answer.alternatives?.first)
        #expect(alternative.model == Self.small && alternative.ready && alternative.fitsVRAM == true)
        #expect(alternative.quality == .slightlyLower)
        #expect(answer.setup == nil, "a model is ready")

        let suggest = try daemon.modelctl(["--socket", daemon.socketPath, "suggest", Self.big, "--vram-gb", "24", "--task", "t2v"])
        #expect(suggest.status == 0, "\(suggest.error)")
        #expect(suggest.output.contains(Self.small) && suggest.output.contains("slightly lower"), "\(suggest.output)")

        // The path alone on stdout, for `ckpt=$(modelctl acquire …)`: the leased snapshot.
        let shell = try daemon.modelctl(["--socket", daemon.socketPath, "acquire", Self.small, "--wait", "10"])
        #expect(shell.status == 0, "\(shell.error)")
        let commit = try #require(hub.repo(Self.smallRepo)?.main.id)
        #expect(shell.output == daemon.directory.file("cache") + "/models--wan-test--ti2v-small/snapshots/\(commit)\n")
    }

    @Test func aMissingModelIsQueuedForWaitersOrStartedByPolicy() throws {
        let hub = try TestHub(repos: [Self.repo(Self.bigRepo, size: 16 << 20), Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download(Self.shard), times: 4)
        // t2v-big downloads at start (auto_download); ti2v-small waits to be asked.
        let daemon = try Self.daemon(autoDownload: true)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.big, .downloading, timeout: .seconds(20))
        let client = try daemon.client(timeout: .seconds(60))
        let waiting = try Self.acquire(client, Self.big)
        #expect(waiting.strategy == .queueAndWait)
        #expect(waiting.queuePosition == 1)
        #expect(waiting.hint?.contains("--wait") == true)

        let watched = try daemon.modelctl(["--socket", daemon.socketPath, "acquire", Self.big, "--wait", "60"])
        #expect(watched.status == 0, "\(watched.error)")
        let bigCommit = try #require(hub.repo(Self.bigRepo)?.main.id)
        #expect(watched.output.hasSuffix("/models--wan-test--t2v-big/snapshots/\(bigCommit)\n"))
        #expect(watched.error.contains(Self.big), "progress lines on stderr: \(watched.error)")

        // No auto_download: a pull is only the answer's hint; with it, acquire starts one.
        #expect(try Self.acquire(client, Self.small).strategy == .alternativeModel)
        try daemon.directory.write("modeld.d/10-auto.toml", """
            [[model]]
            id = "\(Self.small)"
            auto_download = true
            """)
        #expect(try daemon.request("reload").ok)
        let started = try Self.acquire(client, Self.small)
        #expect(started.strategy == .downloadAndRetry, "\(started.message ?? "")")
        #expect(try Self.acquire(client, Self.small, wait: 60).ready)
    }

    @Test func damageFoundAtStartUpIsRepairedWithoutBeingAsked() throws {
        let repo = Self.repo(Self.bigRepo)
        let hub = try TestHub(repos: [repo, Self.repo(Self.smallRepo)])
        defer { hub.shutdown() }
        let daemon = try Self.daemon()
        let cache = daemon.directory.file("cache")
        try HFCacheWriter.write(repo, into: cache)
        let blob = try HFCacheWriter.blob(repo, Self.shard, in: cache)
        try HFCacheWriter.overwrite(blob, at: 3 << 20, with: [0x00, 0x01])
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        // Verified, found damaged, repaired: the waiter gets the path at the end of it.
        let answer = try Self.acquire(try daemon.client(timeout: .seconds(40)), Self.big, wait: 30)
        #expect(answer.ready, "\(answer.message ?? "")\n\(daemon.process?.errorOutput ?? "")")
        #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(try #require(repo.file(Self.shard)).content))
        #expect(try daemon.waitForState(Self.small, .missing).download == nil, "a missing model without auto_download is left alone")
    }

    @Test func reportsAreRecordedWithTheirMetrics() async throws {
        let daemon = try Self.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": DaemonHarness.noHub])
        let response = try daemon.request(
            "report", ["model": .string(Self.small), "duration_s": .number(93.5), "success": .bool(true), "frames": .number(121)])
        #expect(response.ok)
        #expect(try !daemon.request("report", ["model": .string(Self.small), "duration_s": .number(-1), "success": .bool(true)]).ok)
        let ledger = try Ledger(path: daemon.stateDirectory + "/ledger.sqlite")
        let uses = try await ledger.uses(of: Self.small, since: .distantPast)
        #expect(uses.count == 1)
        #expect(uses.first?.source == .report && uses.first?.durationSeconds == 93.5)
        #expect(uses.first?.frames == 121, "a figure the baseline compares has a column of its own")
        #expect(uses.first?.metrics == nil)
    }
}
