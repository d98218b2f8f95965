import Foundation
import Glibc
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// Brings one file of a manifest into the store (STORE.md, Transfers): nothing when it is
/// already good, a link when its blob is here but unlinked, a patch of the damaged chunk
/// ranges when the verifier named them, else a download into modeld's partial file that
/// becomes the blob only after its digest matched — every write under huggingface_hub's
/// lock on the blob. Retries, resume and bandwidth are the
/// transfer loop's (`FileFetcher+Transfers`).
struct FileFetcher: Sendable {
    let engine: CurlMultiEngine
    let store: Store
    let ledger: Ledger
    /// The downloads' own pool: each file in flight holds one of its threads.
    let hasher: FileHasher
    /// Builds a downloaded blob's chunk index right after, at idle priority.
    let indexer: ChunkIndexer
    let verifier: FileVerifier
    /// For the store's blocking calls (open, fallocate, fsync, rename): a pool of the
    /// downloads' own, so a long fsync never delays `status` or a name lookup.
    let io: BlockingPool
    let chunkSize: Int
    let logger: Logger
    let untrustedServers = UntrustedServers()

    /// What one file's fetch needs of its model and of the configuration in force.
    struct Job: Sendable {
        var model: CatalogModel
        var manifest: Manifest
        var settings: DownloadSettings
        /// The endpoint first, then the mirrors, in the order they are tried.
        var servers: [String]
        /// Sent to the endpoint only: a mirror is another party.
        var token: String?
        /// Told of every retry: file, attempt, most attempts, delay, what failed.
        var onRetry: @Sendable (_ file: String, _ attempt: Int, _ max: Int, _ delay: TimeSpan, _ error: String) async -> Void
    }

    enum Fetched: Sendable, Equatable {
        /// Good already, or a good blob linked: nothing came over the network.
        case alreadyThere
        case downloaded(bytes: Int64)
        case repaired(bytes: Int64)
    }

    /// Threads of the hashing and `io` pools for `concurrentFiles` files in flight: each
    /// holds one of each, and a file without one waits for its digest.
    static func poolThreads(concurrentFiles: Int) -> Int { max(2, concurrentFiles) }

    /// Grows the pools when a reload raised `concurrent_files` (they never shrink: an idle
    /// thread costs nothing that matters).
    func fitPools(to concurrentFiles: Int) {
        for pool in [hasher.pool, io] {
            do {
                try pool.grow(to: Self.poolThreads(concurrentFiles: concurrentFiles))
            } catch {
                logger.warning("the \(pool.name) pool keeps \(pool.threadCount) threads: \(error)")
            }
        }
    }

    func fetch(_ file: ManifestFile, job: Job, progress: FileProgress) async throws(DownloadFailure) -> Fetched {
        if case .verified = await verifier.check(file, of: job.manifest, depth: .changed) { return .alreadyThere }
        let lock = try await lockBlob(file, job: job, progress: progress)
        defer { lock.release() }
        // Looked at again under the lock: another program may have published it meanwhile.
        switch await verifier.check(file, of: job.manifest, depth: .changed) {
        case .verified:
            return .alreadyThere
        case let condition:
            if let ranges = condition.patchableRanges(fileSize: file.size),
                let bytes = try await repair(file, ranges: ranges, job: job, progress: progress)
            {
                return .repaired(bytes: bytes)
            }
        }
        if await adoptExisting(file, job: job) { return .alreadyThere }
        return .downloaded(bytes: try await download(file, job: job, progress: progress))
    }

    /// huggingface_hub's lock on the blob, waited for (status says so) while another
    /// program holds it.
    private func lockBlob(_ file: ManifestFile, job: Job, progress: FileProgress) async throws(DownloadFailure) -> BlobLock {
        let path = store.layout.lock(job.manifest.repo, file.digest)
        do throws(BlobLock.WaitFailure) {
            let lock = try await BlobLock.waitFor(path, on: io) {
                logger.notice(
                    "\(job.model.id): \(file.path): waiting for another program (hf, diffusers…) that is fetching it; it holds \(path)",
                    metadata: ["model": "\(job.model.id)", "file": "\(file.path)"])
                progress.waitingForLock(path)
            }
            progress.waitingForLock(nil)
            return lock
        } catch {
            guard case .failed(let error) = error else { throw .stopped }
            throw .failed(ProtocolError(
                .internal, "cannot take huggingface_hub's lock on \(file.path): \(error)",
                hint: "check the permissions of \(store.layout.root)/.locks"))
        }
    }

    // MARK: - Download

    private func download(_ file: ManifestFile, job: Job, progress: FileProgress) async throws(DownloadFailure) -> Int64 {
        let partialPath = store.layout.partial(job.manifest.repo, file.digest)
        await migrateLegacyPartial(file, repo: job.manifest.repo)
        var mismatches = 0
        var fetched: Int64 = 0
        while true {
            let (partial, present, synced) = try await open(partialPath, for: file, model: job.model.id)
            let written = WrittenRanges(present)
            progress.attach(written)
            let digest: String
            let chunkHashes: [String]?
            do {
                (digest, chunkHashes) = try await transferAndHash(file, into: partial, written: written, synced: synced, job: job)
            } catch {
                await saveJournal(partial, file, written: written)
                partial.close()
                throw error
            }
            fetched += written.fetched
            if digest == file.digest.hex {
                try await commit(partial, as: file, chunkHashes: chunkHashes, job: job)
                return fetched
            }
            // Wrong bytes: which ones cannot be told, so the file is fetched again whole.
            partial.close()
            await discard(partialPath)
            mismatches += 1
            let error = "the bytes received for \(file.path) do not match the manifest's \(file.digest.kind == .sha256 ? "SHA-256" : "git SHA-1")"
            logger.warning("\(job.model.id): \(error)", metadata: ["model": "\(job.model.id)", "file": "\(file.path)"])
            guard mismatches <= job.settings.maxRetries else {
                throw .failed(ProtocolError(
                    .hubError, "\(error), \(mismatches) times",
                    hint: "the server (HF_ENDPOINT or a mirror) serves other bytes than the hub lists; check it, then: modelctl pull \(job.model.id)"))
            }
            let delay = backoff(job).delay(attempt: mismatches, jitter: Double.random(in: 0...1))
            await job.onRetry(file.path, mismatches, job.settings.maxRetries, delay, error)
            do {
                try await Task.sleep(for: delay.duration)
            } catch {
                throw .stopped
            }
        }
    }

    /// The partial file, preallocated, and the bytes of it that can be trusted: the
    /// journal's, if it belongs to this file.
    private func open(_ path: String, for file: ManifestFile, model: String)
        async throws(DownloadFailure) -> (PartialBlob, present: RangeSet, synced: RangeSet)
    {
        let journal = try? await ledger.journal(at: path)
        let usable = journal.flatMap { $0.describes(digest: file.digest, size: file.size) ? $0 : nil }
        let result = await io.outcome { () throws(SystemError) in
            let partial = try PartialBlob.open(path)
            var present = usable?.trusted() ?? RangeSet()
            do throws(SystemError) {
                // A file of another size is not the one the journal describes.
                if present.isEmpty || FileStat.size(of: partial.fd) != file.size {
                    present = RangeSet()
                    try partial.truncate()
                }
                try partial.preallocate(file.size)
            } catch {
                partial.close()
                throw error
            }
            return (partial, present)
        }
        switch result {
        case .success(let (partial, present)):
            // Truncated: a journal left from before must not vouch for the zeros now there.
            if present.isEmpty, journal != nil { _ = try? await finishing { [ledger] in try await ledger.forgetJournal(at: path) } }
            return (partial, present, present.isEmpty ? RangeSet() : usable?.synced ?? RangeSet())
        case .failure(let error) where error.errno == ENOSPC:
            throw DownloadFailure.diskFull("\(error)", model: model)
        case .failure(let error):
            throw .failed(ProtocolError(.internal, "cannot prepare \(path): \(error)", hint: "check the store's permissions and free space"))
        }
    }

    /// Digest matched: the file becomes the blob, the snapshot links it, the ledger knows
    /// it. With `chunkHashes` (a repair read the whole file) its chunk index is recorded
    /// with it; without (the digest followed the download), it is recorded verified by
    /// that digest, and the index is built once, after (``ChunkIndexer``): the bytes are
    /// never read again before the model is available.
    private func commit(_ partial: PartialBlob, as file: ManifestFile, chunkHashes: [String]?, job: Job) async throws(DownloadFailure) {
        let store = store, repo = job.manifest.repo, commit = job.manifest.commit
        let blob = store.layout.blob(repo, file.digest)
        let result = await io.outcome { () throws(SystemError) in
            // What came over the network never becomes a blob of another size than listed.
            guard FileStat.size(of: partial.fd) == file.size else {
                partial.close()
                throw SystemError("fstat(\(partial.path)): not \(file.size) bytes", errno: EIO)
            }
            try store.commitBlob(partial, as: file, repo: repo)
            let signature = try FileStat.signature(blob)
            try store.linkSnapshot(file, repo: repo, commit: commit)
            return signature
        }
        do {
            guard let signature = try result.get() else { throw SystemError("stat(\(blob))", errno: ENOENT) }
            // The blob is in place: what the ledger must learn of it is written even if the
            // download is being paused or stopped right now.
            let ledger = ledger, chunkSize = chunkSize, path = partial.path
            try await finishing { () async throws in
                try? await ledger.forgetJournal(at: path)
                try await ledger.record(VerifiedBlob(
                    path: blob, digest: file.digest, chunkSize: Int64(chunkSize), chunkHashes: chunkHashes ?? [], signature: signature,
                    verifiedAt: Date(), method: .full))
            }
            if chunkHashes == nil { await indexer.build(file, blob: blob, signature: signature) }
        } catch let error as SystemError where error.errno == ENOSPC {
            throw DownloadFailure.diskFull("\(error)", model: job.model.id)
        } catch {
            throw .failed(ProtocolError(.internal, "cannot store \(file.path): \(error)", hint: "check the store's permissions and free space"))
        }
    }

    // MARK: - Repair

    /// Patches the damaged ranges into a copy of the blob, checks the whole copy, and
    /// renames it over the blob: a running generation that mapped the old file keeps it.
    /// Nil when the patched copy is still wrong (or the server cannot serve ranges): the
    /// caller downloads the file whole.
    private func repair(
        _ file: ManifestFile, ranges: [ByteRange], job: Job, progress: FileProgress
    ) async throws(DownloadFailure) -> Int64? {
        let blob = store.layout.blob(job.manifest.repo, file.digest)
        let partialPath = store.layout.partial(job.manifest.repo, file.digest)
        try? await ledger.forgetJournal(at: partialPath)
        let result = await io.outcome { () throws(SystemError) in
            let partial = try PartialBlob.open(partialPath)
            do throws(SystemError) {
                try partial.truncate()
                try partial.copy(from: blob, size: file.size)
            } catch {
                partial.close()
                throw error
            }
            return partial
        }
        let partial: PartialBlob
        switch result {
        case .success(let opened):
            partial = opened
        case .failure(let error) where error.errno == ENOSPC:
            await discard(partialPath)
            throw DownloadFailure.diskFull("\(error)", model: job.model.id)
        case .failure(let error):
            logger.warning("\(job.model.id): cannot copy \(file.path) to patch it, fetching it whole: \(error)")
            await discard(partialPath)
            return nil
        }
        let written = WrittenRanges(RangeSet(RangeSet(ranges).gaps(within: file.size)))
        progress.attach(written)
        do {
            guard try await transfer(file, ranges: ranges, into: partial, written: written, job: job) else {
                partial.close()
                await discard(partialPath)
                return nil
            }
        } catch {
            partial.close()
            await discard(partialPath)
            throw error
        }
        let check: FileHasher.FirstVerification?
        do throws(HashingError) {
            check = try await hasher.firstVerification(path: partialPath, kind: file.digest.kind, expectedSize: file.size, chunkSize: chunkSize)
        } catch .cancelled {
            partial.close()
            await discard(partialPath)
            throw .stopped
        } catch {
            check = nil
        }
        guard let check, check.sizeMatches, check.digest == file.digest.hex else {
            logger.warning("\(job.model.id): \(file.path) is still wrong after patching its damaged ranges; fetching it whole")
            partial.close()
            await discard(partialPath)
            return nil
        }
        try await commit(partial, as: file, chunkHashes: check.chunkHashes, job: job)
        return written.fetched
    }

    // MARK: - A blob already here

    /// A blob of the right size that no snapshot links (a lost link, or the same bytes in
    /// another revision): read once, and linked if its digest matches.
    private func adoptExisting(_ file: ManifestFile, job: Job) async -> Bool {
        let blob = store.layout.blob(job.manifest.repo, file.digest)
        guard let signature = try? await io.run({ try FileStat.signature(blob) }), signature.size == file.size,
            let check = try? await hasher.firstVerification(path: blob, kind: file.digest.kind, expectedSize: file.size, chunkSize: chunkSize),
            check.sizeMatches, check.digest == file.digest.hex
        else { return false }
        let store = store, repo = job.manifest.repo, commit = job.manifest.commit
        do {
            try await ledger.record(VerifiedBlob(
                path: blob, digest: file.digest, chunkSize: Int64(chunkSize), chunkHashes: check.chunkHashes, signature: signature,
                verifiedAt: Date(), method: .full))
            try await io.run { try store.linkSnapshot(file, repo: repo, commit: commit) }
            logger.info("\(job.model.id): \(file.path) was in the store already; linked", metadata: ["model": "\(job.model.id)"])
            return true
        } catch {
            return false
        }
    }

    /// What an older modeld left at `blobs/<hash>.incomplete` (its journal says so) moves
    /// to the partial place with its journal, so the bytes are resumed and never published
    /// by a tool that resumes from that name. A `.incomplete` file without our journal is
    /// another program's, and stays. Called under the blob's lock.
    private func migrateLegacyPartial(_ file: ManifestFile, repo: String) async {
        let legacy = store.layout.legacyPartial(repo, file.digest)
        let partial = store.layout.partial(repo, file.digest)
        guard let journal = try? await ledger.journal(at: legacy) else { return }
        let moved = await io.outcome { () throws(SystemError) in try PartialBlob.move(legacy, to: partial) }
        let ledger = ledger
        switch moved {
        case .success(let found):
            _ = try? await finishing {
                if found {
                    var kept = journal
                    kept.path = partial
                    try await ledger.record(kept)
                }
                try await ledger.forgetJournal(at: legacy)
            }
        case .failure(let error):
            // Ours (the journal says so), and never to be resumed by another tool: dropped.
            logger.warning("\(file.path): the partial data an older modeld left at \(legacy) cannot be moved, so it is dropped: \(error)")
            await discard(legacy)
        }
    }

    // MARK: - Helpers

    func backoff(_ job: Job) -> Backoff { Backoff(initial: job.settings.backoffInitial, maximum: job.settings.backoffMax) }

    /// Drops an in-progress file and its journal (best effort: a leftover is overwritten
    /// by the next attempt).
    func discard(_ path: String) async {
        let ledger = ledger
        _ = try? await finishing { try await ledger.forgetJournal(at: path) }
        _ = await io.outcome { () throws(SystemError) in try PartialBlob.discard(path) }
    }

    /// Runs `body` in a task of its own, so it completes even when the calling task is
    /// being cancelled (a pause): GRDB refuses to write for a cancelled task.
    func finishing<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
}
