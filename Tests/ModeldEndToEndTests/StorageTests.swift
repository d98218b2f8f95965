import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Low disk and cleanup with the real daemon, its store on a 64 MiB tmpfs: the warning
/// when a download crosses `warn_below` (event, log line, `STATUS=`, `health`), and a
/// cleanup that frees what it listed and never what is pinned or leased.
@Suite(.timeLimit(.minutes(10))) struct StorageTests {
    static let big = AvailabilityTests.big
    static let small = AvailabilityTests.small
    static let oldCommit = "0123456789abcdef0123456789abcdef01234567"

    /// A daemon (not started) whose store is on `disk` and warns below 40 MiB; `rest` is
    /// the TOML after `[disk]`: more tables, then the models.
    static func daemon(on disk: SmallFilesystem, _ rest: String) throws -> (DaemonHarness, store: String) {
        let daemon = try DaemonHarness(config: "")
        let store = disk.path + "/hub"
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(store)"

            [disk]
            reserve = "0"
            warn_below = "40MiB"

            \(rest)
            """)
        return (daemon, store)
    }

    @Test func crossingWarnBelowWarnsWithSuggestionsAndCleanupFreesOnlyWhatItListed() throws {
        let disk = try SmallFilesystem(megabytes: 64)
        let hub = try TestHub(repos: [
            AvailabilityTests.repo(AvailabilityTests.bigRepo, size: 16 << 20), AvailabilityTests.repo(AvailabilityTests.smallRepo, size: 12 << 20),
        ])
        defer { hub.shutdown() }
        let (daemon, store) = try Self.daemon(on: disk, """
            [[model]]
            id = "\(Self.big)"
            repo = "\(AvailabilityTests.bigRepo)"
            tasks = ["t2v"]
            min_vram_gb = 80

            [[model]]
            id = "\(Self.small)"
            repo = "\(AvailabilityTests.smallRepo)"
            tasks = ["t2v", "ti2v"]
            min_vram_gb = 24
            """)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        let events = try daemon.client(timeout: .seconds(30))
        #expect(try events.request("subscribe", ["topics": .array([.string("disk")])]).ok)

        // 12 MiB of 64: still above the line.
        #expect(try daemon.request("pull", ["model": .string(Self.small)]).ok)
        try daemon.waitForState(Self.small, .available, timeout: .seconds(30))
        #expect(try daemon.request("resources").decode(ResourcesResult.self).disk.first { $0.paths.contains(store) }?.low == false)

        // 16 MiB more crosses it.
        #expect(try daemon.request("pull", ["model": .string(Self.big)]).ok)
        try daemon.waitForState(Self.big, .available, timeout: .seconds(30))
        let line = try #require(try events.readLine())
        let event = try #require(try ClientEvent(line: line).event)
        guard case .diskLow(let path, let free, let threshold, let suggestions) = event.payload else {
            Issue.record("not disk.low: \(String(decoding: line, as: UTF8.self))")
            return
        }
        #expect(path == store && threshold == 40 << 20 && free < threshold)
        // Neither model was used: the first by name goes first, and it is enough.
        #expect(suggestions.map(\.command) == ["modelctl evict \(Self.big)"], "\(suggestions)")
        #expect(suggestions.first?.freesBytes.map { (16 << 20)..<(17 << 20) ~= $0 } == true, "\(suggestions)")
        try waitUntil("the warning is logged") { daemon.process?.errorOutput.contains("disk low on \(store)") == true }
        try waitUntil("STATUS= tells it") { daemon.notify.assignments.contains { $0.hasPrefix("STATUS=") && $0.contains("disk low:") } }
        let health = try daemon.request("health").decode(HealthResult.self)
        #expect(health.score == 90, "both models are whole; the low disk takes 10")
        #expect(health.recommendations.contains { $0.command == "modelctl evict \(Self.big)" })

        // Pinned, leased, and two kinds of leftovers.
        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "keep", Self.small]).status == 0)
        let service = try daemon.client()
        let lease = try #require(try AvailabilityTests.acquire(service, Self.big).lease)
        let smallRepo = store + "/" + StoreLayout.folderName(repo: AvailabilityTests.smallRepo)
        let partial = try Self.file(smallRepo + "/blobs/" + String(repeating: "ab", count: 32) + ".incomplete", megabytes: 2)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86_400)], ofItemAtPath: partial)
        let oldBlob = try Self.file(smallRepo + "/blobs/" + String(repeating: "cd", count: 32), megabytes: 1)
        let oldLink = smallRepo + "/snapshots/\(Self.oldCommit)/old.safetensors"
        try FileManager.default.createDirectory(atPath: smallRepo + "/snapshots/\(Self.oldCommit)", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: oldLink, withDestinationPath: "../../blobs/" + String(repeating: "cd", count: 32))
        // Replaced longer ago than `[updates] keep_previous` (7 days): no longer kept for rollback.
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -8 * 86_400)], ofItemAtPath: smallRepo + "/snapshots/\(Self.oldCommit)")

        let listed = try daemon.modelctl(["--socket", daemon.socketPath, "cleanup", "--dry-run"])
        #expect(listed.status == 0)
        #expect(listed.output.contains("partial download left 2 days ago"), "\(listed.output)")
        #expect(listed.output.contains("revision 0123456 was replaced"), "\(listed.output)")
        #expect(listed.output.contains("kept \(Self.big): in use (leased)"), "\(listed.output)")
        #expect(listed.output.contains("kept \(Self.small): pinned"), "\(listed.output)")
        #expect(FileManager.default.fileExists(atPath: partial), "a dry run removes nothing")

        let cleaned = try daemon.modelctl(["--socket", daemon.socketPath, "cleanup", "--yes"])
        #expect(cleaned.status == 0, "\(cleaned.error)")
        #expect(cleaned.output.contains("Freed 3 MiB"), "\(cleaned.output)")
        for gone in [partial, oldBlob, oldLink, smallRepo + "/snapshots/\(Self.oldCommit)"] {
            #expect(!FileManager.default.fileExists(atPath: gone), "\(gone)")
        }
        // What is pinned or leased is still on disk, not only in the daemon's view.
        let smallBlob = try HFCacheWriter.blob(
            AvailabilityTests.repo(AvailabilityTests.smallRepo, size: 12 << 20), AvailabilityTests.shard, in: store)
        let bigBlob = try HFCacheWriter.blob(
            AvailabilityTests.repo(AvailabilityTests.bigRepo, size: 16 << 20), AvailabilityTests.shard, in: store)
        #expect(FileManager.default.fileExists(atPath: smallBlob) && FileManager.default.fileExists(atPath: bigBlob))

        // Released, the big model is what a larger target takes; the pinned one stays.
        #expect(try service.request("release", ["lease": .string(lease)]).ok)
        let wide = try daemon.request("cleanup", ["dry_run": .bool(false), "target_free_bytes": .number(Double(60 << 20))])
        let result = try wide.decode(CleanupResult.self)
        #expect(result.candidates.map(\.model) == [Self.big], "\(result)")
        #expect((16 << 20)..<(17 << 20) ~= result.freedBytes && result.failures.isEmpty, "\(result)")
        #expect(result.kept == [CleanupSkip(model: Self.small, why: "pinned")])
        try daemon.waitForState(Self.big, .missing)
        #expect(!FileManager.default.fileExists(atPath: bigBlob) && FileManager.default.fileExists(atPath: smallBlob))
        #expect(try daemon.request("status", ["model": .string(Self.small)]).decode(StatusResult.self).models[0].state == .available)
        // Back above the line: STATUS= says so without waiting for another event.
        try waitUntil("STATUS= drops the warning") {
            daemon.notify.assignments.last { $0.hasPrefix("STATUS=") }.map { !$0.contains("disk low") } == true
        }
        _ = try daemon.stop()
    }

    @Test func unkeepRefusesAPinOfTheConfigFileAndPinsSurviveARestart() throws {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [[model]]
            id = "pinned-by-config"
            repo = "wan-test/a"
            keep = true

            [[model]]
            id = "free"
            repo = "wan-test/b"
            """)
        try daemon.startReady()
        let refused = try daemon.modelctl(["--socket", daemon.socketPath, "unkeep", "pinned-by-config"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("pinned by the config file") && refused.error.contains("keep = false"), "\(refused.error)")
        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "keep", "free"]).output.contains("free: pinned against cleanup"))
        _ = try daemon.stop()
        try daemon.startReady()
        let status = try daemon.request("status").decode(StatusResult.self)
        #expect(status.models.map(\.pinned) == [true, true])
        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "unkeep", "free"]).output.contains("free: not pinned"))
        #expect(try daemon.request("status", ["model": .string("free")]).decode(StatusResult.self).models[0].pinned == false)
    }

    /// A file of `megabytes` MiB of zeros at `path`, its folders made.
    static func file(_ path: String, megabytes: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(count: megabytes << 20).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Space taken by another program at run time, with no download to trigger a check:
    /// the periodic reading sees the crossing and subscribers get `disk.low`.
    @Test func spaceTakenByAnotherProgramAtRunTimeReachesSubscribersAsDiskLow() throws {
        let disk = try SmallFilesystem(megabytes: 64)
        let (daemon, store) = try Self.daemon(on: disk, """
            [gpu]
            poll_every = "1s"

            [[model]]
            id = "\(Self.small)"
            repo = "\(AvailabilityTests.smallRepo)"
            """)
        try daemon.startReady()
        let events = try daemon.client(timeout: .seconds(30))
        #expect(try events.request("subscribe", ["topics": .array([.string("disk")])]).ok)
        #expect(try daemon.request("resources").decode(ResourcesResult.self).disk.first { $0.paths.contains(store) }?.low == false)

        try Data(count: 32 << 20).write(to: URL(fileURLWithPath: disk.path + "/someone-elses.bin"))
        let line = try #require(try events.readLine(), "no disk.low within the subscription's 30 s")
        let event = try #require(try ClientEvent(line: line).event)
        guard case .diskLow(let path, let free, let threshold, _) = event.payload else {
            Issue.record("not disk.low: \(String(decoding: line, as: UTF8.self))")
            return
        }
        #expect(path == store && threshold == 40 << 20 && free < threshold)
    }
}
