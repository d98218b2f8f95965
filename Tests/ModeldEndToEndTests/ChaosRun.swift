import Foundation
import Glibc
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// One pull of `DownloadTests.repoID` by a real daemon whose store is on a small tmpfs of
/// its own, and the chaos steps done to it: what the chaos test drives.
final class ChaosRun {
    static let model = "tiny-video"

    let repo: TestRepo
    let hub: TestHub
    let daemon: DaemonHarness
    let disk: SmallFilesystem
    let store: String
    /// Every daemon process started, for their stderr when something goes wrong.
    private var processes: [ChildProcess] = []
    private let layout: StoreLayout

    var modelSize: Int { repo.main.files.reduce(0) { $0 + $1.size } }

    /// Every answer of the hub at `bytesPerSecond`: the pull lasts long enough for the
    /// moments to fall inside it, and what the hub counts as sent has arrived (a kill
    /// loses little in flight), so the bytes sent measure what the daemon asked for.
    init(repo: TestRepo, bytesPerSecond: Int) throws {
        self.repo = repo
        var options = TestHub.Options()
        options.bodyBytesPerSecond = bytesPerSecond
        hub = try TestHub(repos: [repo], options: options)
        // The model, its partial files and one repair copy of the largest shard fit.
        disk = try SmallFilesystem(megabytes: 96)
        store = disk.path + "/hub"
        layout = StoreLayout(root: store)
        daemon = try DownloadTests.daemon(storeDir: store)
    }

    deinit { hub.shutdown() }

    func start() throws {
        try startDaemon()
        try daemon.waitForState(Self.model, .missing)
    }

    func pull() throws {
        let pull = try daemon.request("pull", ["model": .string(Self.model)])
        #expect(pull.ok, "\(String(describing: pull.error))")
    }

    /// Returns once `fraction` of the model's bytes are downloaded, or the model is
    /// available (what is still to come then strikes a finished model). For 1, once it
    /// is available and whole: a step after the pull never strikes during the repair of
    /// the one before (`ChaosPlan` says why).
    func wait(for fraction: Double) throws {
        guard fraction < 1 else {
            return try waitUntil("the model available with every file whole", timeout: .seconds(60)) { try isWhole() }
        }
        let bytes = Int64(fraction * Double(modelSize))
        try waitUntil("\(bytes) bytes downloaded", timeout: .seconds(60)) {
            let status = try self.status()
            return status.state == .available || (status.download?.bytesDone ?? 0) >= bytes
        }
    }

    func perform(_ step: ChaosStep) throws {
        switch step {
        case .hubFault(let fault, let file):
            hub.faults.enqueue(fault, for: file.map { .download($0) } ?? .listener(.cdn))
        case .fullDisk(let resumeWithPull):
            try fillTheDiskUntilPaused(thenResumeWithPull: resumeWithPull)
        case .killAndRestart:
            daemon.process?.signal(SIGKILL)
            _ = try daemon.process?.waitForExit(timeout: .seconds(10))
            // The queue is in the ledger: the download goes on by itself.
            try startDaemon()
        case .flipByte(let pick):
            var random = SplitMix64(seed: pick)
            let file = try waitForPresent("a blob to damage") { self.hasBlob($0) }.randomElement(using: &random)!
            let blob = try HFCacheWriter.blob(repo, file.path, in: store)
            let offset = Int.random(in: 0..<file.size, using: &random)
            try HFCacheWriter.overwrite(blob, at: Int64(offset), with: [~file.content[offset]])
            print("chaos: flipped byte \(offset) of \(file.path)")
        case .remove(let blob, let among, let pick):
            var random = SplitMix64(seed: pick)
            let path: String
            if blob {
                let file = try waitForPresent("a small blob to remove") { among.contains($0.path) && self.hasBlob($0) }
                    .randomElement(using: &random)!
                path = try HFCacheWriter.blob(repo, file.path, in: store)
            } else {
                let file = try waitForPresent("a snapshot link to remove") { self.hasLink($0) }.randomElement(using: &random)!
                path = link(file)
            }
            #expect(unlink(path) == 0, "unlink \(path): \(String(cString: strerror(errno)))")
            print("chaos: removed \(path.dropFirst(store.count + 1))")
        case .reload(let bySignal, let rate):
            try daemon.directory.write("modeld.d/50-chaos.toml", "[downloads]\nbytes_per_s = \(rate)\n")
            if bySignal {
                daemon.process?.signal(SIGHUP)
                try daemon.waitUntilReady(count: 2)
            } else {
                let reload = try daemon.request("reload").decode(ReloadResult.self)
                #expect(reload.changed.contains("downloads.bytes_per_s"), "\(reload.changed)")
            }
        }
    }

    /// Every file of the model is in the store as huggingface_hub lays it out, with the
    /// repo's bytes, and the daemon says the model is available.
    func isWhole() throws -> Bool {
        guard try status().state == .available else { return false }
        return try repo.main.files.allSatisfy { file in
            let target = StoreLayout.blobLinkTarget(path: file.path, digest: try HFCacheWriter.digest(of: file))
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: link(file))) == target else { return false }
            return FileManager.default.contents(atPath: try HFCacheWriter.blob(repo, file.path, in: store)) == Data(file.content)
        }
    }

    /// Every request the hub received, then the stderr of every daemon process of the
    /// run: for a failure's message.
    var evidence: String {
        (["--- hub requests:"] + hub.log.requests.map(\.description)
            + processes.enumerated().map { "--- daemon #\($0.offset + 1) stderr:\n\($0.element.errorOutput)" })
            .joined(separator: "\n")
    }

    // MARK: - Steps

    /// Fills the store's filesystem until the download pauses, frees it, and resumes.
    private func fillTheDiskUntilPaused(thenResumeWithPull resumeWithPull: Bool) throws {
        let last = try whileTheDiskIsFull {
            var last: ModelStatus?
            try waitUntil("paused for the full disk or done (last: \(String(describing: last?.state)))", timeout: .seconds(30)) {
                last = try status()
                return last?.state == .paused || last?.state == .available
            }
            return last
        }
        guard last?.state == .paused else {
            print("chaos: every file still needed had its room already; the disk filled without pausing the download")
            return
        }
        #expect(last?.download?.lastError?.code == .noSpace, "\(String(describing: last?.download))")
        let command = resumeWithPull ? "pull" : "resume"
        let resumed = try daemon.modelctl(["--socket", daemon.socketPath, command, Self.model])
        #expect(resumed.status == 0, "modelctl \(command): \(resumed.output)\(resumed.error)")
    }

    /// Runs `body` while every free byte of the store's filesystem but 64 KiB is taken
    /// (outside the store), so the next file the download starts (it preallocates its
    /// partial file) finds no room.
    private func whileTheDiskIsFull<T>(_ body: () throws -> T) throws -> T {
        let filler = disk.path + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0, "open \(filler): \(String(cString: strerror(errno)))")
        defer { unlink(filler) }
        let free = try #require(try DiskFree.bytes(disk.path))
        let taken = posix_fallocate(fd, 0, off_t(max(0, free - (64 << 10))))
        close(fd)
        try #require(taken == 0, "fallocate \(filler): \(String(cString: strerror(taken)))")
        return try body()
    }

    private func startDaemon() throws {
        processes.append(try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint]))
    }

    // MARK: - The store

    /// The model's status; a failed model ends the wait at once: nothing in the plan may
    /// fail it.
    private func status() throws -> ModelStatus {
        let status = try #require(try daemon.request("status", ["model": .string(Self.model)]).decode(StatusResult.self).models.first)
        if status.state == .failed {
            throw TestSupportError("the model failed: \(status.reason ?? "") \(String(describing: status.download?.lastError))")
        }
        return status
    }

    private func link(_ file: TestFile) -> String { layout.snapshotFile(repo.id, repo.main.id, file.path) }

    private func hasBlob(_ file: TestFile) -> Bool {
        (try? HFCacheWriter.blob(repo, file.path, in: store)).map { FileManager.default.fileExists(atPath: $0) } ?? false
    }

    private func hasLink(_ file: TestFile) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: link(file))) != nil
    }

    /// The model's files for which `present` holds, once there is one.
    private func waitForPresent(_ what: String, _ present: @escaping (TestFile) -> Bool) throws -> [TestFile] {
        var found: [TestFile] = []
        try waitUntil(what, timeout: .seconds(60)) {
            found = repo.main.files.filter(present)
            return !found.isEmpty
        }
        return found
    }
}
