import Foundation
import Glibc
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `modelctl adopt` with the real daemon: folders made by the real `hf download
/// --local-dir`, by a plain copy and across filesystems come into the store with nothing
/// downloaded that they hold, only their missing and damaged files fetched, and the folder
/// left as each mode promises; a crash half way loses nothing; `--scan` finds them.
@Suite(.timeLimit(.minutes(10))) struct AdoptTests {
    static let model = "tiny-video"
    static let repo = DownloadTests.repo()

    static func started() throws -> (TestHub, DaemonHarness) { try DownloadTests.started(repo) }

    /// The repo's files written as a plain copy would leave them.
    static func plainCopy(at folder: String, except skipped: Set<String> = []) throws {
        for file in repo.main.files where !skipped.contains(file.path) {
            let path = folder + "/" + file.path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.content).write(to: URL(fileURLWithPath: path))
        }
    }

    static func adopt(_ daemon: DaemonHarness, _ folder: String, _ extra: [String] = []) throws -> (status: Int32, output: String, error: String) {
        try daemon.modelctl(["--socket", daemon.socketPath, "adopt", model, folder] + extra)
    }

    /// Bytes of model files the hub sent (file lists are not counted: they are no file).
    static func fileBytesSent(_ hub: TestHub) -> Int {
        repo.main.files.reduce(0) { $0 + hub.log.bodyBytesSent(file: $1.path, in: repo.id) }
    }

    static func linkCount(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_nlink) : -1
    }

    /// `hf download --local-dir` of today's huggingface_hub, or `huggingface-cli download
    /// --local-dir` of the 0.x line many installs still carry.
    static func localDir(_ folder: String, version: String, hub: TestHub, daemon: DaemonHarness) throws {
        let command = version == HFCLI.current ? "hf" : "huggingface-cli"
        let download = try ChildProcess.run(
            try HFCLI.venv(version) + "/bin/" + command, ["download", repo.id, "--local-dir", folder],
            environment: HFCLI.environment(hub: hub, home: daemon.directory.path), in: daemon.directory.path, timeout: .seconds(120))
        #expect(download.status == 0, "\(download.output)\(download.error)")
    }

    @Test(arguments: [HFCLI.current, HFCLI.legacy])
    func aLocalDirFromHFDownloadComesInByHardLinksWithNothingDownloaded(version: String) throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let folder = daemon.directory.file("Wan-local")
        try Self.localDir(folder, version: version, hub: hub, daemon: daemon)
        hub.log.clear()

        let adopted = try Self.adopt(daemon, folder)
        #expect(adopted.status == 0, "\(adopted.output)\(adopted.error)")
        #expect(adopted.output.contains("named by local-dir metadata") && adopted.output.contains("by hard link"), "\(adopted.output)")
        #expect(adopted.output.contains("adopted 4 files") && adopted.output.contains("4 linked"), "\(adopted.output)")
        #expect(adopted.output.contains("tiny-video is available"), "\(adopted.output)")
        #expect(Self.fileBytesSent(hub) == 0, "nothing is downloaded that the folder holds")
        let status = try daemon.waitForState(Self.model, .available)
        #expect(status.files?.verified == 4)
        for file in Self.repo.main.files {
            #expect(Self.linkCount(folder + "/" + file.path) == 2, "\(file.path) is one file under two names: nothing copied")
        }
        let cache = daemon.directory.file("cache")
        let verify = try HFCLI.run(
            ["cache", "verify", Self.repo.id, "--cache-dir", cache, "--fail-on-missing-files"], hub: hub, in: daemon.directory)
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        let acquire = try daemon.request("acquire", ["model": .string(Self.model), "wait_s": .number(0)])
        #expect(acquire.ok && acquire.result?["link"]?.string?.hasSuffix(Self.model) == true, "adopted is as good as pulled: \(acquire)")
    }

    @Test func theCommitALocalDirNamesIsAdoptedAndTheHubsNewerOneOfferedAsAnUpdate() throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        let daemon = try DownloadTests.daemon()
        let folder = daemon.directory.file("Wan-local")
        try Self.localDir(folder, version: HFCLI.current, hub: hub, daemon: daemon)
        let downloaded = Self.repo.main.id
        var next = Self.repo.main.files
        next[0] = TestFile("config.json", text: #"{"model_type":"tiny-video","v":2}"#)
        let newer = try hub.update(Self.repo.id) { repo in repo.commit(next).id }
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(Self.model, .missing)

        let adopted = try Self.adopt(daemon, folder)
        #expect(adopted.status == 0, "\(adopted.output)\(adopted.error)")
        #expect(adopted.output.contains("against commit \(downloaded.prefix(12)) (named by local-dir metadata)"), "\(adopted.output)")
        let status = try daemon.waitForState(Self.model, .available)
        #expect(status.commit == downloaded, "the folder's own commit, not the hub's latest")
        let check = try daemon.request("update", ["model": .string(Self.model), "check_only": .bool(true)])
        #expect(check.ok, "\(check)")
        try waitUntil("the newer commit to be offered") {
            try daemon.request("status", ["model": .string(Self.model)]).decode(StatusResult.self).models.first?.update?.latest == newer
        }
    }

    @Test func aMovedCopyFetchesOnlyItsDamagedAndMissingFilesAndKeepsWhatIsNotTheModels() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let folder = daemon.directory.file("copy")
        let missing = "google/umt5-xxl/spiece.model", damaged = DownloadTests.big
        try Self.plainCopy(at: folder, except: [missing])
        let shard = folder + "/" + damaged
        let handle = try #require(FileHandle(forUpdatingAtPath: shard))
        try handle.seek(toOffset: 5 << 20)
        try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
        try handle.close()
        let damagedBytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        _ = try daemon.directory.write("copy/NOTES.txt", "mine")
        // As an older `huggingface-cli download --local-dir` left big files: links into a cache.
        try FileManager.default.moveItem(atPath: folder + "/config.json", toPath: daemon.directory.file("elsewhere-config.json"))
        #expect(symlink(daemon.directory.file("elsewhere-config.json"), folder + "/config.json") == 0)
        hub.log.clear()

        let adopted = try Self.adopt(daemon, folder, ["--move"])
        #expect(adopted.status == 0, "\(adopted.output)\(adopted.error)")
        #expect(adopted.output.contains("by rename") && adopted.output.contains("1 linked, 1 moved"), "a link is linked, not moved: \(adopted.output)")
        #expect(adopted.output.contains("\(missing): not in the folder"), "\(adopted.output)")
        #expect(adopted.output.contains("\(damaged): its bytes do not match"), "\(adopted.output)")
        #expect(adopted.output.contains("NOTES.txt"), "what is not the model's is listed: \(adopted.output)")
        try daemon.waitForState(Self.model, .available)
        let sent = Self.fileBytesSent(hub)
        let expected = Self.repo.main.files.filter { [missing, damaged].contains($0.path) }.reduce(0) { $0 + $1.size }
        #expect(sent == expected, "only the damaged and the missing file come over the network: \(sent) of \(expected)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/diffusion_pytorch_model.safetensors.index.json"), "a moved file leaves the folder")
        #expect(FileStat.linkTarget(folder + "/config.json") != nil && Self.linkCount(folder + "/config.json") == 2, "a link stays, its target linked")
        #expect(try Data(contentsOf: URL(fileURLWithPath: shard)) == damagedBytes, "a file that was not adopted stays as it was")
        #expect(FileManager.default.fileExists(atPath: folder + "/NOTES.txt"))
    }

    @Test func aShortFileOnAnotherFilesystemIsCopiedAndOnlyItsRestFetched() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let elsewhere = try SmallFilesystem(megabytes: 64)
        let folder = elsewhere.path + "/Wan"
        try Self.plainCopy(at: folder)
        let shard = folder + "/" + DownloadTests.big
        let size = try #require(Self.repo.main.file(DownloadTests.big)).size
        #expect(truncate(shard, off_t(size / 2)) == 0)

        let linked = try Self.adopt(daemon, folder, ["--link"])
        #expect(linked.status == 1 && linked.error.contains("another filesystem") && linked.error.contains("--copy"), "\(linked.error)")
        hub.log.clear()
        let copied = try Self.adopt(daemon, folder)
        #expect(copied.status == 0, "\(copied.output)\(copied.error)")
        #expect(copied.output.contains("by copy") && copied.output.contains("3 copied"), "\(copied.output)")
        #expect(copied.output.contains("\(size / 2) of \(size) bytes: the rest is fetched"), "\(copied.output)")
        try daemon.waitForState(Self.model, .available)
        let sent = Self.fileBytesSent(hub)
        #expect(sent == size - size / 2, "the short file's own bytes are kept: \(sent) fetched of \(size)")
        #expect(Self.linkCount(folder + "/config.json") == 1, "a copy leaves the folder's files alone")
        #expect((try FileManager.default.attributesOfItem(atPath: shard)[.size] as? Int) == size / 2)
    }

    @Test func aKilledAdoptionKeepsWhatItVerifiedAndGoesOnWhereItStopped() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let folder = daemon.directory.file("copy")
        try Self.plainCopy(at: folder)
        // huggingface_hub's lock on the last file, held as `hf` would: the adoption waits there.
        let last = try #require(Self.repo.main.file("google/umt5-xxl/spiece.model"))
        let lockPath = daemon.directory.file("cache/.locks/\(Self.repo.cacheFolderName)/\(last.etag).lock")
        try FileManager.default.createDirectory(atPath: (lockPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let lock = open(lockPath, O_RDWR | O_CREAT, 0o664)
        #expect(lock >= 0 && flock(lock, LOCK_EX) == 0)
        let started = try daemon.request("adopt", ["model": .string(Self.model), "path": .string(folder), "mode": .string("move")])
        #expect(started.ok, "\(started)")
        try waitUntil("the adoption to wait for the held lock") { daemon.process?.errorOutput.contains("waiting for the program that holds") == true }
        daemon.process?.signal(SIGKILL)
        _ = try daemon.process?.waitForExit(timeout: .seconds(10))
        close(lock)

        hub.log.clear()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try waitUntil("the three moved files to be verified after the restart") {
            try daemon.request("status", ["model": .string(Self.model)]).decode(StatusResult.self).models.first?.files?.verified == 3
        }
        let again = try Self.adopt(daemon, folder, ["--move"])
        #expect(again.status == 0, "\(again.output)\(again.error)")
        #expect(again.output.contains("1 moved, 3 in the store already"), "\(again.output)")
        try daemon.waitForState(Self.model, .available)
        #expect(Self.fileBytesSent(hub) == 0)
    }

    @Test func aGitLFSCloneWhosePullNeverRanHasOnlyItsPointersFetched() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let folder = daemon.directory.file("clone")
        try Self.plainCopy(at: folder)
        let shard = try #require(Self.repo.main.file(DownloadTests.big))
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:\(shard.etag)\nsize \(shard.size)\n"
        _ = try daemon.directory.write("clone/" + shard.path, pointer)
        _ = try daemon.directory.write("clone/.git/HEAD", "ref: refs/heads/main\n")
        _ = try daemon.directory.write("clone/.gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
        hub.log.clear()

        let adopted = try Self.adopt(daemon, folder)
        #expect(adopted.status == 0, "\(adopted.output)\(adopted.error)")
        #expect(adopted.output.contains("\(shard.path): a git-lfs pointer (git lfs pull never ran)"), "\(adopted.output)")
        #expect(adopted.output.contains(".gitattributes") && !adopted.output.contains(".git/HEAD"), "git's own folder is not listed: \(adopted.output)")
        try daemon.waitForState(Self.model, .available)
        #expect(Self.fileBytesSent(hub) == shard.size)
        #expect(Self.linkCount(folder + "/config.json") == 2, "the plain files of the clone are linked, not copied")
        let evicted = try daemon.request("evict", ["model": .string(Self.model)]).decode(EvictResult.self)
        #expect(evicted.freedBytes == Int64(shard.size), "only the fetched shard was the store's alone: \(evicted)")
        #expect(Self.linkCount(folder + "/config.json") == 1, "the folder keeps its files")
    }

    @Test func aFolderInsideTheStoreOrWithAFileItCannotReadIsRefused() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let inStore = try Self.adopt(daemon, daemon.directory.file("cache"))
        #expect(inStore.status == 1 && inStore.error.contains("inside the store"), "\(inStore.error)")
        let nowhere = try Self.adopt(daemon, daemon.directory.file("nothing-here"))
        #expect(nowhere.status == 1 && nowhere.error.contains("no folder at"), "\(nowhere.error)")
        let relative = try daemon.request("adopt", ["model": .string(Self.model), "path": .string("copy")])
        #expect(relative.error?.code == .badRequest && relative.error?.message.contains("absolute") == true)

        let folder = daemon.directory.file("copy")
        try Self.plainCopy(at: folder, except: ["config.json"])
        #expect(symlink("config.json", folder + "/config.json") == 0, "a link to itself: no read can follow it")
        let unreadable = try Self.adopt(daemon, folder)
        #expect(unreadable.status == 1 && unreadable.error.contains("copy/config.json"), "the error names the file: \(unreadable.error)")
        #expect(unreadable.error.contains("Too many levels of symbolic links"), "and why: \(unreadable.error)")
        #expect(try daemon.request("status", ["model": .string(Self.model)]).decode(StatusResult.self).models.first?.files?.verified == 0)
    }

    @Test func aScanFindsTheFoldersThatHoldAModelAndPrintsTheCommands() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let root = daemon.directory.file("srv")
        try Self.plainCopy(at: root + "/models/Wan 2.2 tiny", except: ["google/umt5-xxl/spiece.model"])
        _ = try daemon.directory.write("srv/models/other/config.json", #"{"model_type":"other"}"#)
        let scan = try daemon.modelctl(["--socket", daemon.socketPath, "adopt", "--scan", root])
        #expect(scan.status == 0, "\(scan.output)\(scan.error)")
        #expect(scan.output.contains("modelctl adopt tiny-video '\(root)/models/Wan 2.2 tiny'"), "\(scan.output)")
        #expect(scan.output.contains("3/4"), "\(scan.output)")
        #expect(!scan.output.contains("models/other"), "\(scan.output)")
    }
}
