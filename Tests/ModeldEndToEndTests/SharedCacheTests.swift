import Foundation
import Glibc
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The store is a Hugging Face cache that `hf`, `diffusers` and `transformers` use too
/// (STORE.md): modeld keeps its partial data under a name no other tool reads, holds
/// huggingface_hub's lock on a blob while it writes or publishes it, waits for that lock
/// when another program holds it, and trusts what another program wrote only once it
/// verified it. Each test runs the real daemon, and where it says so the real
/// huggingface_hub (2.4 and 0.36, each in its venv).
@Suite(.timeLimit(.minutes(10))) struct SharedCacheTests {
    static let model = "tiny-video"
    static let repo = DownloadTests.repo()
    static let big = DownloadTests.big

    static func cache(_ daemon: DaemonHarness) -> String { daemon.directory.file("cache") }
    static func layout(_ daemon: DaemonHarness) -> StoreLayout { StoreLayout(root: cache(daemon)) }
    static func bigFile() throws -> TestFile { try #require(repo.file(big)) }
    static func bigDigest() throws -> FileDigest { try HFCacheWriter.digest(of: try bigFile()) }

    /// The names in a folder, none when it does not exist.
    static func names(_ folder: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] }

    @Test func thePartialFileIsModeldsOwnAndTheBlobLockIsHeldWhileItIsWritten() throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download(Self.big), times: 100)
        let daemon = try DownloadTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try DownloadResilienceTests.waitForBytes(daemon, model: Self.model, atLeast: 1 << 20)

        let layout = Self.layout(daemon)
        let digest = try Self.bigDigest()
        // Nothing under huggingface_hub's in-progress names: 0.x would resume from it.
        #expect(Self.names(layout.blobsFolder(Self.repo.id)).allSatisfy { !$0.hasSuffix(".incomplete") })
        #expect(FileManager.default.fileExists(atPath: layout.partial(Self.repo.id, digest)))
        // The lock huggingface_hub takes is taken: another `hf` would wait.
        #expect(try BlobLock.tryAcquire(layout.lock(Self.repo.id, digest)) == nil)

        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))
        let lock = try #require(try BlobLock.tryAcquire(layout.lock(Self.repo.id, digest)), "the lock is let go once the blob is in")
        lock.release()
        #expect(Self.names(layout.partialsFolder(Self.repo.id)).isEmpty)
    }

    /// Another program holds the lock (as `hf download` does while it fetches): modeld
    /// waits, says so, and takes the blob that program published once it verified it.
    @Test(arguments: [true, false])
    func aBlobAnotherProgramPublishesWhileModeldWaitsIsVerifiedNotFetchedAgain(publishedRight: Bool) throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        let daemon = try DownloadTests.daemon()
        let layout = Self.layout(daemon)
        let digest = try Self.bigDigest()
        let held = try #require(try BlobLock.tryAcquire(layout.lock(Self.repo.id, digest)))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)

        // Every other file arrives; the locked one waits, and the log says for what.
        try waitUntil("the other files to be verified", timeout: .seconds(30)) {
            try daemon.request("status", ["model": .string(Self.model)]).decode(StatusResult.self).models.first?.files?.verified == 3
        }
        let lockPath = layout.lock(Self.repo.id, digest)
        try waitUntil("status to say it waits for the lock") {
            let model = try daemon.request("status", ["model": .string(Self.model)]).decode(StatusResult.self).models.first
            return model?.download?.waitingFor == [lockPath] && model?.reason?.contains("waiting for another program") == true
        }
        #expect(daemon.process?.errorOutput.contains("waiting for another program") == true)
        #expect(hub.log.bodyBytesSent(file: Self.big) == 0)

        // The other program publishes the blob as huggingface_hub does (a temporary file
        // renamed into place), then lets go of the lock.
        let file = try Self.bigFile()
        let bytes = publishedRight ? file.content : [UInt8](repeating: 0, count: file.size)
        let blob = layout.blob(Self.repo.id, digest)
        try FileManager.default.createDirectory(atPath: layout.blobsFolder(Self.repo.id), withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: blob + ".1a2b3c4d.incomplete"))
        guard rename(blob + ".1a2b3c4d.incomplete", blob) == 0 else { throw TestSupportError("rename: errno \(errno)") }
        held.release()

        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))
        // Right bytes are taken as they are; wrong ones are never trusted, but fetched.
        #expect(hub.log.bodyBytesSent(file: Self.big) == (publishedRight ? 0 : file.size))
        #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(file.content))
    }

    /// `hf download` (2.4) or `snapshot_download` (0.36) into the same store while modeld
    /// pulls the model from a throttled hub: each blob is fetched once, and both tools
    /// call the result good.
    @Test(arguments: [HFCLI.current, HFCLI.legacy])
    func huggingfaceHubAndModeldFetchOneModelIntoOneStoreTogether(version: String) throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        for file in Self.repo.main.files {
            hub.faults.enqueue(.throttle(bytesPerSecond: 6_000_000), for: .download(file.path), times: 100)
        }
        let daemon = try DownloadTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        let downloaded = try HFCLI.snapshotDownload(
            Self.repo.id, version: version, hub: hub, cache: Self.cache(daemon), in: daemon.directory)
        #expect(downloaded.status == 0, "\(downloaded.output)\(downloaded.error)")
        try daemon.waitForState(Self.model, .available, timeout: .seconds(90))

        for file in Self.repo.main.files {
            #expect(hub.log.bodyBytesSent(file: file.path) == file.size, "\(file.path) was fetched once")
        }
        let verify = try HFCLI.run(
            ["cache", "verify", Self.repo.id, "--cache-dir", Self.cache(daemon), "--fail-on-missing-files"], hub: hub, in: daemon.directory)
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        let warnings = try Self.cacheWarnings(daemon, hub: hub)
        #expect(warnings.isEmpty, "\(warnings)")
    }

    /// A full-size `blobs/<hash>.incomplete` that is mostly zeros, as huggingface_hub 0.x
    /// leaves (or as an older modeld preallocated it): never published. With an older
    /// modeld's journal it is resumed from the new place; without one it is another
    /// program's and stays where it is.
    @Test(arguments: [true, false])
    func aLegacyIncompleteFileIsNeverPublished(withJournal: Bool) async throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        let daemon = try DownloadTests.daemon()
        let layout = Self.layout(daemon)
        let file = try Self.bigFile()
        let legacy = layout.legacyPartial(Self.repo.id, try Self.bigDigest())
        let half = file.size / 2
        try FileManager.default.createDirectory(atPath: layout.blobsFolder(Self.repo.id), withIntermediateDirectories: true)
        try Data(file.content.prefix(half) + [UInt8](repeating: 0, count: file.size - half)).write(to: URL(fileURLWithPath: legacy))
        if withJournal {
            try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
            let ledger = try Ledger(path: daemon.stateDirectory + "/ledger.sqlite")
            let written = RangeSet([ByteRange(0, Int64(half))])
            try await ledger.record(TransferJournal(
                path: legacy, digest: file.etag, size: Int64(file.size), written: written, synced: written,
                bootID: TransferJournal.currentBootID))
        }
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try daemon.waitForState(Self.model, .available, timeout: .seconds(60))

        let blob = layout.blob(Self.repo.id, try Self.bigDigest())
        #expect(try Data(contentsOf: URL(fileURLWithPath: blob)) == Data(file.content))
        let sent = hub.log.bodyBytesSent(file: Self.big)
        if withJournal {
            #expect(sent == file.size - half, "only the half the journal did not vouch for")
            #expect(!FileManager.default.fileExists(atPath: legacy))
        } else {
            #expect(sent == file.size)
            #expect(FileManager.default.fileExists(atPath: legacy), "another program's file is not modeld's to remove")
        }
    }

    /// A pull whose file the hub does not have (404) fails, and leaves no repo folder the
    /// HF layout calls broken: `scan_cache_dir()` reports nothing.
    @Test func aFailedPullLeavesAStoreHuggingfaceHubScansWithoutWarnings() throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        hub.faults.enqueue(.status(404), for: .resolve(Self.big), times: 100)
        let daemon = try DownloadTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(Self.model)]).ok)
        try daemon.waitForState(Self.model, .failed, timeout: .seconds(30))
        let warnings = try Self.cacheWarnings(daemon, hub: hub)
        #expect(warnings.isEmpty, "\(warnings)")
        let listed = try HFCLI.run(["cache", "ls", "--cache-dir", Self.cache(daemon)], hub: hub, in: daemon.directory)
        #expect(listed.status == 0 && !(listed.output + listed.error).localizedCaseInsensitiveContains("warning"), "\(listed.output)\(listed.error)")
    }

    /// `evict` removes a model's files but keeps what names its commit consistent: the
    /// store still scans without warnings (a ref to a missing snapshot is one).
    @Test func anEvictedModelLeavesAStoreHuggingfaceHubScansWithoutWarnings() throws {
        let (hub, daemon) = try DownloadTests.started()
        defer { hub.shutdown() }
        _ = try DownloadTests.pull(daemon)
        try daemon.waitForState(Self.model, .available)
        let evict = try daemon.modelctl(["--socket", daemon.socketPath, "evict", Self.model, "--yes"])
        #expect(evict.status == 0, "\(evict.output)\(evict.error)")
        try daemon.waitForState(Self.model, .missing)
        let warnings = try Self.cacheWarnings(daemon, hub: hub)
        #expect(warnings.isEmpty, "\(warnings)")
    }

    /// What huggingface_hub's `scan_cache_dir()` warns about the store, one line each.
    static func cacheWarnings(_ daemon: DaemonHarness, hub: TestHub) throws -> [String] {
        let script = "import sys; from huggingface_hub import scan_cache_dir; [print(w) for w in scan_cache_dir(sys.argv[1]).warnings]"
        let run = try ChildProcess.run(
            try HFCLI.python(), ["-c", script, cache(daemon)], environment: HFCLI.environment(hub: hub, home: daemon.directory.path),
            in: daemon.directory.path)
        guard run.status == 0 else { throw TestSupportError("scan_cache_dir failed: \(run.error)") }
        return run.output.split(separator: "\n").map(String.init)
    }
}
