import Foundation
import Glibc
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The long cases of downloads, with large files: `kill -9` mid-way, a flipped byte
/// repaired by its chunk without being asked, a bandwidth limit, pause and resume, a full disk. One at a
/// time: the limit's accuracy is measured, and the others would take its CPU.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DownloadResilienceTests {
    static let model = "tiny-video"
    static let file = "model.bin"

    static func repo(size: Int) -> TestRepo {
        TestRepo(DownloadTests.repoID, files: [TestFile("config.json", text: "{}"), TestFile(file, size: size, seed: 7)])
    }

    /// The model's download, as status shows it.
    static func download(_ daemon: DaemonHarness, model: String = model) throws -> DownloadStatus? {
        try daemon.request("status", ["model": .string(model)]).decode(StatusResult.self).models.first?.download
    }

    static func waitForBytes(_ daemon: DaemonHarness, model: String = model, atLeast bytes: Int64, timeout: Duration = .seconds(60)) throws {
        try waitUntil("\(bytes) bytes downloaded", timeout: timeout) { (try download(daemon, model: model)?.bytesDone ?? 0) >= bytes }
    }

    @Test func killedHalfWayItResumesAndFetchesOnlyWhatIsMissing() throws {
        let size = 128 << 20
        let hub = try TestHub(repos: [Self.repo(size: size)])
        defer { hub.shutdown() }
        // Every piece at 2.5 MB/s, four at a time (kept at four: what this measures is the
        // journal, and the bytes in flight at the kill grow with the connections): about 13 s
        // for the file, so 45 % is easy to hit; the journal follows each megabyte written, and
        // a loaded machine's lag behind it costs few bytes at this rate.
        hub.faults.enqueue(.throttle(bytesPerSecond: 2_500_000), for: .download(Self.file), times: 1000)
        let daemon = try DownloadTests.daemon(downloads: "max_connections_per_file = 4")
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.model, .missing)
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try Self.waitForBytes(daemon, atLeast: Int64(size) * 45 / 100)
        daemon.process?.signal(SIGKILL)
        _ = try daemon.process?.waitForExit(timeout: .seconds(10))

        // The queue is in the ledger: the download goes on by itself after the restart.
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))
        let sent = hub.log.bodyBytesSent(file: Self.file)
        print("resume after kill -9 at 45 %: the server sent \(sent) bytes for a file of \(size) (\(Double(sent) / Double(size))x)")
        #expect(sent <= size + size / 50, "the server sent \(sent) bytes for a file of \(size)")
    }

    @Test func aFlippedByteIsRepairedByItselfFetchingAtMostTwoChunks() throws {
        let size = 256 << 20
        let chunk = 16 << 20
        let repo = Self.repo(size: size)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let daemon = try DownloadTests.daemon(chunkSize: "16MiB")
        try HFCacheWriter.write(repo, into: daemon.directory.file("cache"))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))

        let blob = try HFCacheWriter.blob(repo, Self.file, in: daemon.directory.file("cache"))
        // A generation that has the blob open keeps the bytes it opened.
        let reader = open(blob, O_RDONLY)
        try #require(reader >= 0)
        defer { close(reader) }
        let events = try daemon.client(timeout: .seconds(30))
        #expect(try events.request("subscribe", ["topics": .array([.string("integrity"), .string("repair"), .string("model")])]).ok)
        let fd = open(blob, O_WRONLY)
        try #require(fd >= 0)
        var flipped: UInt8 = ~(try #require(repo.file(Self.file)).content[100 << 20])
        #expect(pwrite(fd, &flipped, 1, off_t(100 << 20)) == 1)
        close(fd)

        // The watcher finds the damage, and `[verify] auto_repair` (on by default) repairs it
        // with no one asking.
        let seen = try DownloadTests.read(until: "repair.done", from: events)
        let damaged = try #require(DownloadTests.named("integrity.damaged", in: seen).first)
        #expect(damaged["damaged_ranges"] == .array([.array([.number(Double(96 << 20)), .number(Double(112 << 20))])]))
        let states = DownloadTests.named("model.state", in: seen).compactMap { $0["to"]?.string }
        #expect(states.starts(with: ["corrupted", "queued"]) || states.starts(with: ["corrupted", "repairing"]), "\(states)")
        let done = try #require(DownloadTests.named("repair.done", in: seen).first)
        #expect((done["bytes_fetched"]?.number ?? .infinity) <= Double(2 * chunk))
        try daemon.waitForState(Self.model, .available, timeout: .seconds(30))
        #expect(hub.log.bodyBytesSent(file: Self.file) <= 2 * chunk)
        #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(try #require(repo.file(Self.file)).content))
        var kept: UInt8 = 0
        #expect(pread(reader, &kept, 1, off_t(100 << 20)) == 1)
        #expect(kept == flipped, "the open file was not modified in place")
    }

    @Test func aLimitHoldsAndPauseStopsTheBytesWithoutLosingThem() throws {
        let size = 200 << 20
        let hub = try TestHub(repos: [Self.repo(size: size)])
        defer { hub.shutdown() }
        let daemon = try DownloadTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.model, .missing)
        let limit = try daemon.modelctl(["--socket", daemon.socketPath, "limit", "20MB"])
        #expect(limit.status == 0, "\(limit.output)\(limit.error)")
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try Self.waitForBytes(daemon, atLeast: 10_000_000)
        // Three windows of 2 s: over the 6 s, at most 10 % above the limit, no window more than
        // 30 % above it, and at least one within 10 % of it (the byte counts are read through `status`: on a loaded 2-core
        // machine one reading can come late, moving bytes from one window to the next; the
        // test hub itself can fall behind too).
        var rates: [Double] = []
        var last = (try Self.download(daemon)?.bytesDone ?? 0, ContinuousClock.now)
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 2)
            let now = (try Self.download(daemon)?.bytesDone ?? 0, ContinuousClock.now)
            rates.append(Double(now.0 - last.0) / last.1.duration(to: now.1).inSeconds)
            last = now
        }
        let average = rates.reduce(0, +) / Double(rates.count)
        #expect(average < 22_000_000 && rates.allSatisfy { $0 < 26_000_000 }, "\(rates) B/s under a 20 MB/s limit")
        #expect(rates.contains { $0 > 18_000_000 }, "\(rates) B/s under a 20 MB/s limit")

        let pause = try daemon.modelctl(["--socket", daemon.socketPath, "pause", Self.model])
        #expect(pause.status == 0, "\(pause.output)\(pause.error)")
        try daemon.waitForState(Self.model, .paused)
        let requestedBefore = hub.log.requests(on: .cdn).count
        Thread.sleep(forTimeInterval: 0.5)
        let pausedAt = hub.log.bodyBytesSent(file: Self.file)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(hub.log.bodyBytesSent(file: Self.file) == pausedAt, "no byte moves while paused")
        // Read once the transfers have ended: the state says paused at once, and the last
        // chunk a connection was writing when told to stop still lands and is kept.
        let atPause = try #require(try Self.download(daemon)?.bytesDone)

        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "limit", "0"]).status == 0)
        let resume = try daemon.modelctl(["--socket", daemon.socketPath, "resume", Self.model])
        #expect(resume.status == 0, "\(resume.output)\(resume.error)")
        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))
        // What was received before the pause is not asked for again. (What the server had
        // pushed into the sockets' buffers when the connections closed is lost: TCP.)
        let asked = hub.log.requests(on: .cdn).dropFirst(requestedBefore).compactMap(\.range).map { range -> Int64 in
            let bounds = range.dropFirst("bytes=".count).split(separator: "-").compactMap { Int64($0) }
            return bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 0
        }
        let config: Int64 = 2  // config.json, "{}", done before the pause
        #expect(asked.reduce(0, +) == Int64(size) + config - atPause, "\(asked) after pausing at \(atPause)")
    }

    @Test func aFullDiskPausesTheDownloadAndKeepsWhatIsVerified() throws {
        let directory = try TemporaryDirectory()
        let store = directory.file("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let mount = try ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", store], environment: ChildProcess.baseEnvironment, in: directory.path)
        try #require(mount.status == 0, "a tmpfs is needed (root): \(mount.error)")
        defer { _ = try? ChildProcess.run("/bin/umount", ["-l", store], environment: ChildProcess.baseEnvironment, in: directory.path) }
        let repo = TestRepo(DownloadTests.repoID, files: [TestFile("a.bin", size: 16 << 20, seed: 1), TestFile("b.bin", size: 16 << 20, seed: 2)])
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let daemon = try DownloadTests.daemon(downloads: "concurrent_files = 1", storeDir: store)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.model, .missing)

        // Before: the bytes needed must fit.
        let filler = store + "/filler"
        try Data(count: 24 << 20).write(to: URL(fileURLWithPath: filler))
        let refused = try daemon.request("pull", ["model": .string(Self.model)])
        #expect(refused.error?.code == .noSpace)
        #expect(refused.error?.hint?.contains("reserve") == true)
        try FileManager.default.removeItem(atPath: filler)

        // Mid-way: the disk fills while a.bin arrives; b.bin finds no room.
        hub.faults.enqueue(.throttle(bytesPerSecond: 8_000_000), for: .download("a.bin"), times: 4)
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try Self.waitForBytes(daemon, atLeast: 1)
        let free = try #require(try DiskFree.bytes(store))
        try Data(count: Int(free) - (4 << 20)).write(to: URL(fileURLWithPath: filler))
        let paused = try daemon.waitForState(Self.model, .paused, timeout: .seconds(30))
        #expect(paused.download?.lastError?.code == .noSpace, "\(String(describing: paused.download))")
        #expect(paused.download?.lastError?.message.contains("full") == true)
        #expect(paused.files?.verified == 1, "a.bin, verified before the disk filled, stays")

        try FileManager.default.removeItem(atPath: filler)
        let resume = try daemon.modelctl(["--socket", daemon.socketPath, "resume", Self.model])
        #expect(resume.status == 0, "\(resume.output)\(resume.error)\(daemon.process?.errorOutput ?? "")")
        try daemon.waitForState(Self.model, .available, timeout: .seconds(30))
        #expect(hub.log.bodyBytesSent(file: "a.bin") == 16 << 20, "a.bin was not fetched again")
    }
}

/// Free bytes of a filesystem, for filling it on purpose.
enum DiskFree {
    static func bytes(_ path: String) throws -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
