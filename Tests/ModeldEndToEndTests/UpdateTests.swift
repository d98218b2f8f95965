import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Synchronization
import Testing

/// New revisions against the real daemon and the test hub: found by the periodic check,
/// staged beside the current snapshot fetching only what changed, switched in one step
/// while generations keep what they hold, and rolled back at once.
@Suite(.timeLimit(.minutes(10))) struct UpdateTests {
    static let repoID = "org/updates"
    static let changed = "b.bin"
    static let model = "m"
    static let files = [
        TestFile("config.json", text: #"{"v": 1}"#), TestFile("a.bin", size: 2 << 20, seed: 1),
        TestFile(changed, size: 2 << 20, seed: 2), TestFile("c.bin", size: 1 << 20, seed: 3),
        TestFile("vae.bin", size: 1 << 20, seed: 4),
    ]

    /// The same five files, one of them with other bytes.
    static var nextFiles: [TestFile] {
        files.map { $0.path == changed ? TestFile(changed, size: 3 << 20, seed: 20) : $0 }
    }

    static func daemon(
        hub: TestHub, retries: Int = 3, policy: String = "notify", keepPrevious: String = "7d", keepUntilSuccesses: Int = 0,
        journal: Journald? = nil
    ) throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(daemon.directory.file("cache"))"

            [downloads]
            max_retries = \(retries)
            backoff_initial = "100ms"
            backoff_max = "200ms"
            # Four connections, as the figures below assume (a kill's bytes in flight grow
            # with the connections; growing them is CDNDownloadTests' subject).
            max_connections_per_file = 4

            [disk]
            reserve = "0"

            [updates]
            check_every = "2s"
            policy = "\(policy)"
            keep_previous = "\(keepPrevious)"
            keep_until_successes = \(keepUntilSuccesses)

            [[model]]
            id = "\(model)"
            repo = "\(repoID)"
            """)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint], journal: journal)
        return daemon
    }

    /// A daemon with the model pulled and available.
    static func started(
        policy: String = "notify", keepPrevious: String = "7d", keepUntilSuccesses: Int = 0
    ) throws -> (TestHub, DaemonHarness) {
        let hub = try TestHub(repos: [TestRepo(repoID, files: files)])
        let daemon = try daemon(hub: hub, policy: policy, keepPrevious: keepPrevious, keepUntilSuccesses: keepUntilSuccesses)
        try daemon.waitForState(model, .missing)
        #expect(try daemon.request("pull", ["model": .string(model)]).ok)
        try daemon.waitForState(model, .available, timeout: .seconds(60))
        return (hub, daemon)
    }

    static func updateEvents(_ daemon: DaemonHarness) throws -> ControlClient {
        let client = try daemon.client(timeout: .seconds(60))
        #expect(try client.request("subscribe", ["topics": .array([.string("update")])]).ok)
        return client
    }

    static func status(_ daemon: DaemonHarness) throws -> ModelStatus {
        try #require(try daemon.request("status", ["model": .string(model)]).decode(StatusResult.self).models.first)
    }

    /// `acquire` with no wait, over and over on a thread of its own until stopped: every
    /// answer that was not ready.
    final class AcquirePoller: Sendable {
        private let stop = Atomic(false)
        private let notReady = Mutex<[String]>([])
        private let done = DispatchSemaphore(value: 0)

        init(socket: String) {
            Thread.detachNewThread { [self] in
                defer { done.signal() }
                guard let client = try? ControlClient(path: socket, timeout: .seconds(30)) else {
                    notReady.withLock { $0.append("could not connect") }
                    return
                }
                while !stop.load(ordering: .relaxed) {
                    let answer = try? client.request("acquire", ["model": .string(UpdateTests.model), "wait_s": .number(0)])
                    guard let result = try? answer?.decode(AcquireResult.self) else {
                        notReady.withLock { $0.append("no answer: \(String(describing: answer?.error))") }
                        continue
                    }
                    if result.ready, let lease = result.lease {
                        _ = try? client.request("release", ["lease": .string(lease)])
                    } else {
                        notReady.withLock { $0.append("\(result.state?.rawValue ?? "?"): \(result.message ?? "")") }
                    }
                    usleep(20_000)
                }
            }
        }

        func finish() -> [String] {
            stop.store(true, ordering: .relaxed)
            done.wait()
            return notReady.withLock { $0 }
        }
    }

    @Test func aNewCommitIsFoundFetchedAloneSwitchedToAndRolledBack() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let old = try #require(hub.repo(Self.repoID)?.main.id)
        let events = try Self.updateEvents(daemon)
        // A generation holds the old commit through the whole update.
        let holder = try daemon.client()
        let held = try AvailabilityTests.acquire(holder, Self.model)
        #expect(held.ready && held.commit == old)
        let heldPath = try #require(held.path)
        let oldBytes = try Data(contentsOf: URL(fileURLWithPath: heldPath + "/" + Self.changed))

        let new = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        // The periodic check (every 2 s) finds it.
        let available = try DownloadTests.read(until: "update.available", from: events).last
        #expect(available?["latest"]?.string == new && available?["current"]?.string == old)
        let offered = try #require(try Self.status(daemon).update)
        #expect(offered.available && offered.latest == new)
        #expect(offered.filesChanged == 1 && offered.bytesToFetch == 3 << 20 && offered.fits == true)
        #expect(try Self.status(daemon).state == .available)
        let metrics = try daemon.request("metrics").decode(MetricsResult.self).text
        #expect(metrics.contains("modeld_update_available{model=\"\(Self.model)\"} 1\n"), "\(metrics)")

        hub.faults.enqueue(.throttle(bytesPerSecond: 2_000_000), for: .download(Self.changed), times: 100)
        let before = hub.log.bodyBytesSent(file: Self.changed, in: Self.repoID)
        let others = Self.files.filter { $0.path != Self.changed }.map { hub.log.bodyBytesSent(file: $0.path, in: Self.repoID) }
        let poller = AcquirePoller(socket: daemon.socketPath)
        // modelctl waits for the switch, as a person would.
        let update = try daemon.modelctl(["--socket", daemon.socketPath, "update", Self.model])
        #expect(update.status == 0, "\(update.output)\(update.error)")
        #expect(update.output.contains("\(old.prefix(12)) → \(new.prefix(12))") && update.output.contains("now on \(new.prefix(12))"), "\(update.output)")
        let seen = try DownloadTests.read(until: "update.applied", from: events)
        let notReady = poller.finish()
        #expect(notReady.isEmpty, "acquire answered not ready during the update: \(notReady)")
        #expect(DownloadTests.named("update.available", in: seen).isEmpty, "update.available came once per commit")
        #expect(DownloadTests.named("update.failed", in: seen).isEmpty, "\(seen)")
        let progress = DownloadTests.named("update.progress", in: seen)
        #expect(!progress.isEmpty && progress.allSatisfy { $0["bytes_total"]?.number == Double(3 << 20) }, "\(progress)")
        #expect(progress.contains { ($0["bytes_done"]?.number ?? 0) > 0 && $0["eta_s"]?.number != nil }, "\(progress)")

        #expect(hub.log.bodyBytesSent(file: Self.changed, in: Self.repoID) - before == 3 << 20, "the changed file came once")
        let othersAfter = Self.files.filter { $0.path != Self.changed }.map { hub.log.bodyBytesSent(file: $0.path, in: Self.repoID) }
        #expect(othersAfter == others, "the unchanged files were linked, not fetched")
        let now = try AvailabilityTests.acquire(try daemon.client(), Self.model)
        #expect(now.ready && now.commit == new && now.path?.hasSuffix("/snapshots/" + new) == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: heldPath + "/" + Self.changed)) == oldBytes, "the held snapshot never changed")
        #expect(try Self.status(daemon).update?.available == false)
        #expect(try Self.status(daemon).leasedCommits == [old], "the generation still holds the old commit")

        let cache = daemon.directory.file("cache")
        let verify = try HFCLI.run(
            ["cache", "verify", Self.repoID, "--cache-dir", cache, "--fail-on-missing-files"], hub: hub, in: daemon.directory)
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        let script = """
            import sys; from huggingface_hub import hf_hub_download, scan_cache_dir
            print(open(hf_hub_download(sys.argv[1], sys.argv[2], cache_dir=sys.argv[3], local_files_only=True), "rb").read()[:0] == b"")
            print(sorted(r.commit_hash for repo in scan_cache_dir(sys.argv[3]).repos for r in repo.revisions if "main" in r.refs)[0])
            """
        let read = try ChildProcess.run(
            try HFCLI.python(), ["-c", script, Self.repoID, Self.changed, cache],
            environment: HFCLI.environment(hub: hub, home: daemon.directory.path), in: daemon.directory.path)
        #expect(read.status == 0 && read.output == "True\n\(new)\n", "\(read.output)\(read.error)")

        let downloaded = { hub.log.requests.filter { $0.kind == .download }.reduce(0) { $0 + $1.bodyBytesSent } }
        let sentBefore = downloaded()
        let started = ContinuousClock.now
        let back = try daemon.request("rollback", ["model": .string(Self.model)])
        let took = started.duration(to: .now)
        #expect(back.ok, "\(String(describing: back.error))")
        #expect(took < .seconds(1), "rollback took \(took)")
        #expect(try back.decode(RollbackResult.self) == RollbackResult(model: Self.model, from: new, to: old))
        #expect(try DownloadTests.read(until: "update.rolled_back", from: events).last?["latest"]?.string == old)
        #expect(downloaded() == sentBefore, "a rollback fetches nothing")
        #expect(try AvailabilityTests.acquire(try daemon.client(), Self.model).commit == old)
        #expect(try Self.status(daemon).update?.available == false, "the commit rolled back from is not offered again")

        let history = try daemon.request("history", ["model": .string(Self.model)]).decode(HistoryResult.self)
        #expect(history.current == old)
        #expect(history.revisions.map(\.commit) == [old, new] && history.revisions.map(\.why) == ["rollback", "update"])
        let printed = try daemon.modelctl(["--socket", daemon.socketPath, "history", Self.model])
        #expect(printed.status == 0 && printed.output.contains("rollback") && printed.output.contains(String(new.prefix(12))), "\(printed.output)")
        let again = try daemon.modelctl(["--socket", daemon.socketPath, "rollback", Self.model])
        #expect(again.status == 1 && again.error.contains("no previous revision"), "\(again.output)\(again.error)")

        // The commit rolled back from stays refused after a restart.
        #expect(try daemon.stop() == 0)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try waitUntil("a check after the restart", timeout: .seconds(30)) { (try? Self.status(daemon).update?.checked) != nil }
        let afterRestart = try Self.status(daemon)
        #expect(afterRestart.commit == old && afterRestart.update?.latest == new && afterRestart.update?.available == false)
    }

    @Test func anUpdateWhoseFileNeverArrivesWholeFailsAndTheOldRevisionStays() throws {
        let hub = try TestHub(repos: [TestRepo(Self.repoID, files: Self.files)])
        defer { hub.shutdown() }
        let journal = try Journald()
        defer { journal.stop() }
        let daemon = try Self.daemon(hub: hub, retries: 1, journal: journal)
        try daemon.waitForState(Self.model, .missing)
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))
        let old = try #require(hub.repo(Self.repoID)?.main.id)
        let links = daemon.directory.file("state/models/\(Self.model)")
        let linkBefore = try FileManager.default.destinationOfSymbolicLink(atPath: links)
        let events = try Self.updateEvents(daemon)

        let new = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        hub.faults.enqueue(.wrongBytes, for: .download(Self.changed), times: 100)
        let update = try daemon.request("update", ["model": .string(Self.model)])
        #expect(update.ok, "\(String(describing: update.error))")
        let failed = try DownloadTests.read(until: "update.failed", from: events).last
        #expect(failed?["latest"]?.string == new && failed?["current"]?.string == old)
        let status = try Self.status(daemon)
        #expect(status.state == .available && status.commit == old)
        #expect(status.update?.state == "failed" && status.update?.error != nil)
        #expect(try AvailabilityTests.acquire(try daemon.client(), Self.model).commit == old)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: links) == linkBefore, "the stable link never moved")
        // journalctl MODEL=m COMMIT=<new> finds the update's lines.
        var lines: [String] = []
        try waitUntil("the update's lines in the journal") {
            lines = try journal.entries(["MODEL=\(Self.model)", "COMMIT=\(new)"]).compactMap { $0["MESSAGE"]?.string }
            return lines.contains { $0.contains("failed") }
        }
        #expect(lines.contains { $0.contains("a new revision is out") }, "\(lines)")
    }

    /// 32 MiB at 4 MB/s, killed after 8 MiB: what a kill loses (the journal's last tenth of
    /// a second, the sockets' buffers, more of both on a loaded machine) stays small beside
    /// the update, as it does beside a real shard.
    @Test func anUpdateKilledMidWayGoesOnAfterTheRestartFetchingLittleTwice() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let size = 32 << 20
        let next = Self.files.map { $0.path == Self.changed ? TestFile(Self.changed, size: size, seed: 21) : $0 }
        let new = try hub.update(Self.repoID) { repo in repo.commit(next).id }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download(Self.changed), times: 100)
        let before = hub.log.bodyBytesSent(file: Self.changed, in: Self.repoID)
        #expect(try daemon.request("update", ["model": .string(Self.model)]).ok)
        try waitUntil("8 MiB of the update arrived", timeout: .seconds(60)) {
            hub.log.bodyBytesSent(file: Self.changed, in: Self.repoID) - before >= 8 << 20
        }
        daemon.process?.signal(SIGKILL)
        _ = try daemon.process?.waitForExit(timeout: .seconds(10))

        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try waitUntil("the update applied after the restart", timeout: .seconds(120)) {
            (try? Self.status(daemon).commit) == new
        }
        #expect(try Self.status(daemon).state == .available)
        let sent = hub.log.bodyBytesSent(file: Self.changed, in: Self.repoID) - before
        print("update killed mid-way: the hub sent \(sent) bytes for a changed file of \(size) (\(Double(sent) / Double(size))x)")
        #expect(Double(sent) < 1.1 * Double(size), "\(sent) bytes for \(size)")
        let history = try daemon.request("history", ["model": .string(Self.model)]).decode(HistoryResult.self)
        #expect(history.revisions.map(\.commit) == [new])
    }

    @Test func generationsFailingOnTheNewRevisionRollItBackByItself() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let old = try #require(hub.repo(Self.repoID)?.main.id)
        let report = { (success: Bool) in
            try daemon.request("report", ["model": .string(Self.model), "duration_s": .number(10), "success": .bool(success)])
        }
        for _ in 0..<4 { #expect(try report(true).ok) }
        let events = try Self.updateEvents(daemon)
        let new = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        #expect(try daemon.request("update", ["model": .string(Self.model)]).ok)
        _ = try DownloadTests.read(until: "update.applied", from: events)
        #expect(try report(false).ok)
        #expect(try report(true).ok)
        #expect(try report(false).ok)
        #expect(try Self.status(daemon).commit == new, "two failures in three are not yet clearly worse")
        #expect(try report(false).ok)
        let back = try #require(try DownloadTests.read(until: "update.rolled_back", from: events).last)
        #expect(back["latest"]?.string == old && back["current"]?.string == new)
        #expect(back["reason"]?.string?.contains("3 of the first 4 generations") == true, "\(back)")
        #expect(try AvailabilityTests.acquire(try daemon.client(), Self.model).commit == old)
        #expect(try Self.status(daemon).update?.available == false)
    }

    @Test func withPolicyAutoANewRevisionIsAppliedByItselfButNotWhileLeased() throws {
        let (hub, daemon) = try Self.started(policy: "auto")
        defer { hub.shutdown() }
        let events = try Self.updateEvents(daemon)
        let holder = try daemon.client()
        let held = try AvailabilityTests.acquire(holder, Self.model)
        let new = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        _ = try DownloadTests.read(until: "update.available", from: events)
        // Two more checks: a generation holds the model, so nothing is applied.
        try waitUntil("two checks since", timeout: .seconds(30)) {
            hub.log.requests.filter { $0.target.contains("/revision/") }.count >= 4
        }
        #expect(try Self.status(daemon).commit != new)
        #expect(try holder.request("release", ["lease": .string(try #require(held.lease))]).ok)
        let applied = try #require(try DownloadTests.read(until: "update.applied", from: events).last)
        #expect(applied["latest"]?.string == new)
        #expect(try Self.status(daemon).commit == new)
    }

    @Test func aReplacedRevisionGoesWhenKeepPreviousIsOverButNeverWhileLeased() throws {
        let (hub, daemon) = try Self.started(keepPrevious: "1s")
        defer { hub.shutdown() }
        let old = try #require(hub.repo(Self.repoID)?.main.id)
        let layout = StoreLayout(root: daemon.directory.file("cache"))
        // A blob is named by its ETag: the SHA-256 of an LFS file, the git blob id of another.
        let blob = { (file: TestFile) in layout.blobsFolder(Self.repoID) + "/" + file.etag }
        let oldBlob = blob(try #require(Self.files.first { $0.path == Self.changed }))
        let shared = Self.files.filter { $0.path != Self.changed }.map(blob)
        let holder = try daemon.client()
        let held = try AvailabilityTests.acquire(holder, Self.model)
        let events = try Self.updateEvents(daemon)
        let new = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        #expect(try daemon.request("update", ["model": .string(Self.model)]).ok)
        _ = try DownloadTests.read(until: "update.applied", from: events)

        // Three checks with keep_previous long over: the lease keeps the old snapshot whole.
        let checks = hub.log.requests.filter { $0.target.contains("/revision/") }.count
        try waitUntil("three more checks", timeout: .seconds(30)) {
            hub.log.requests.filter { $0.target.contains("/revision/") }.count >= checks + 3
        }
        #expect(FileManager.default.fileExists(atPath: layout.snapshot(Self.repoID, old) + "/" + Self.changed))
        #expect(FileManager.default.fileExists(atPath: oldBlob))

        #expect(try holder.request("release", ["lease": .string(try #require(held.lease))]).ok)
        // The snapshot folder goes with its last link, before the blobs are unlinked: wait for both.
        try waitUntil("the replaced revision removed, its own blob with it", timeout: .seconds(30)) {
            !FileManager.default.fileExists(atPath: layout.snapshot(Self.repoID, old)) && !FileManager.default.fileExists(atPath: oldBlob)
        }
        #expect(shared.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "blobs the new revision shares stay")
        #expect(try Self.status(daemon).state == .available && (try Self.status(daemon).commit) == new)
        let verify = try HFCLI.run(
            ["cache", "verify", Self.repoID, "--cache-dir", daemon.directory.file("cache"), "--fail-on-missing-files"], hub: hub,
            in: daemon.directory)
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
    }

    @Test func aFileOfTheNewRevisionFailingVerificationRollsItBackByItself() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let old = try #require(hub.repo(Self.repoID)?.main.id)
        let events = try Self.updateEvents(daemon)
        let new = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        #expect(try daemon.request("update", ["model": .string(Self.model)]).ok)
        _ = try DownloadTests.read(until: "update.applied", from: events)

        // A byte of the new revision's own file changes on disk: the watcher sees it.
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: daemon.directory.file("cache/\(TestRepo(Self.repoID, files: []).cacheFolderName)/snapshots/\(new)/\(Self.changed)")))
        try file.seek(toOffset: 1000)
        try file.write(contentsOf: Data([0x5A]))
        try file.close()
        let back = try #require(try DownloadTests.read(until: "update.rolled_back", from: events).last)
        #expect(back["latest"]?.string == old && back["current"]?.string == new)
        #expect(back["reason"]?.string?.contains("\(Self.changed) of the new revision failed verification") == true, "\(back)")
        try waitUntil("back on the old commit and available", timeout: .seconds(30)) {
            let status = try Self.status(daemon)
            return status.commit == old && status.state == .available
        }
    }

    @Test func aReplacedRevisionGoesOnceTheNewOneSucceededEnough() throws {
        let (hub, daemon) = try Self.started(keepUntilSuccesses: 2)
        defer { hub.shutdown() }
        let old = try #require(hub.repo(Self.repoID)?.main.id)
        let snapshot = StoreLayout(root: daemon.directory.file("cache")).snapshot(Self.repoID, old)
        let events = try Self.updateEvents(daemon)
        _ = try hub.update(Self.repoID) { repo in repo.commit(Self.nextFiles).id }
        #expect(try daemon.request("update", ["model": .string(Self.model)]).ok)
        _ = try DownloadTests.read(until: "update.applied", from: events)
        let report = { try daemon.request("report", ["model": .string(Self.model), "duration_s": .number(5), "success": .bool(true)]) }
        #expect(try report().ok)
        let checks = hub.log.requests.filter { $0.target.contains("/revision/") }.count
        try waitUntil("two more checks", timeout: .seconds(30)) {
            hub.log.requests.filter { $0.target.contains("/revision/") }.count >= checks + 2
        }
        #expect(FileManager.default.fileExists(atPath: snapshot), "one success is not yet enough; keep_previous (7 d) is not over")
        #expect(try report().ok)
        try waitUntil("the replaced revision removed after the second success", timeout: .seconds(30)) {
            !FileManager.default.fileExists(atPath: snapshot)
        }
        #expect(try Self.status(daemon).state == .available)
    }
}
