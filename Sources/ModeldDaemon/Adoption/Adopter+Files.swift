import Foundation
import Glibc
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// The adoption itself, file by file, under huggingface_hub's lock on each blob.
extension Adopter {
    /// What became of one file of the right size.
    enum FileOutcome: Sendable {
        case adopted(AdoptMode)
        /// The store had it verified already.
        case alreadyStored
        /// Not the manifest's bytes: fetched instead, the folder's file left as it is.
        case mismatch(String)
    }

    /// Adopts every file of the right size, seeds the downloads of short ones with the
    /// bytes they have, then pulls what is left. A failure to bring a file in (a
    /// permission, a full disk) stops there: what came in stays, nothing is fetched that
    /// the folder might still provide once the cause is fixed.
    func run(_ work: AdoptionWork) async -> AdoptReport {
        var report = AdoptReport(model: work.model.id, commit: work.manifest.commit, mode: work.mode)
        let progress = AdoptProgress(
            model: work.model.id, filesTotal: work.plan.candidates.count, bytesTotal: work.plan.candidateBytes, events: events)
        var fetching: [AdoptFileNote] = []
        for (file, reason) in work.plan.toFetch {
            // Not in the folder, but in the store (a `--move` that a crash interrupted).
            if case .verified = await verifier.check(file, of: work.manifest, depth: .changed) {
                report.alreadyStored += 1
            } else {
                fetching.append(AdoptFileNote(path: file.path, reason: reason))
            }
        }
        files: for file in work.plan.candidates {
            if Task.isCancelled {
                report.error = Self.stopped
                break files
            }
            do throws(ProtocolError) {
                switch try await adopt(file, work, progress: progress) {
                case .adopted(let way):
                    switch way {
                    case .link: report.linked += 1
                    case .move: report.moved += 1
                    case .copy: report.copied += 1
                    }
                    report.bytesAdopted += file.size
                case .alreadyStored:
                    report.alreadyStored += 1
                case .mismatch(let reason):
                    // A hash the stop cut short says nothing of the file.
                    if Task.isCancelled {
                        report.error = Self.stopped
                        break files
                    }
                    fetching.append(AdoptFileNote(path: file.path, reason: reason))
                }
            } catch {
                report.error = error
                break files
            }
            progress.fileDone(file.size)
        }
        report.fetching = fetching.sorted { $0.path < $1.path }
        let toFetch = Set(fetching.map(\.path))
        report.bytesToFetch = work.manifest.files.filter { toFetch.contains($0.path) }.reduce(0) { $0 + $1.size }
        guard report.error == nil else { return report }
        for item in work.plan.items {
            if case .short(let size) = item.finding { await seedDownload(item.file, work, from: size) }
        }
        if fetching.isEmpty {
            await linker.pointIfVerified(work.model, commit: work.manifest.commit)
        } else {
            do throws(ProtocolError) {
                _ = try await downloads.pull(work.model.id, priority: nil)
            } catch {
                report.error = ProtocolError(
                    error.code, "the adopted files are in; fetching the other \(fetching.count) failed: \(error.message)",
                    hint: error.hint ?? "modelctl pull \(work.model.id)")
            }
        }
        return report
    }

    /// Why an adoption ended early when the daemon stopped.
    static let stopped = ProtocolError(.internal, "the daemon stopped before the adoption was done", hint: "adopt again once it runs: what was adopted stays")

    private func adopt(_ file: ManifestFile, _ work: AdoptionWork, progress: AdoptProgress) async throws(ProtocolError) -> FileOutcome {
        if case .verified = await verifier.check(file, of: work.manifest, depth: .changed) { return .alreadyStored }
        let lock = try await lockBlob(file, work)
        defer { lock.release() }
        // Looked at again under the lock: a download may have published it meanwhile.
        if case .verified = await verifier.check(file, of: work.manifest, depth: .changed) { return .alreadyStored }
        let repo = work.manifest.repo
        let blob = store.layout.blob(repo, file.digest)
        // `--move` of a link would move the link: its target is linked instead, and stays.
        let way = work.mode == .move && work.listing.files[file.path]?.isSymlink == true ? .link : work.mode
        let brought: (check: FileHasher.FirstVerification, signature: StatSignature)
        switch way {
        case .link, .move:
            let source = work.source(file)
            let before = try? await pool.run { try FileStat.signature(source) }
            let check: FileHasher.FirstVerification
            do throws(Mismatch) {
                check = try await hash(source, file, progress: progress)
            } catch {
                return .mismatch(error.reason)
            }
            let after = try? await pool.run { try FileStat.signature(source) }
            guard let before, let after, before.sameContent(as: after) else { return .mismatch("it changed while it was read") }
            let store = store
            let signature = try await storeCall(file, work) { () throws(SystemError) in
                way == .link ? try store.linkBlob(from: source, as: file, repo: repo) : try store.moveBlob(from: source, as: file, repo: repo)
                return try FileStat.signature(blob)
            }
            guard signature?.sameContent(as: after) == true else { return .mismatch("it changed while it was brought in") }
            brought = (check, after)
        case .copy:
            switch try await copy(file, work, progress: progress) {
            case .success(let copied): brought = copied
            case .failure(let wrong): return .mismatch(wrong.reason)
            }
        }
        let store = store
        _ = try await storeCall(file, work) { () throws(SystemError) in try store.linkSnapshot(file, repo: repo, commit: work.manifest.commit) }
        let signature = (try? await pool.run { try FileStat.signature(blob) }) ?? nil
        do {
            try await ledger.record(VerifiedBlob(
                path: blob, digest: file.digest, chunkSize: Int64(chunkSize), chunkHashes: brought.check.chunkHashes,
                signature: signature ?? brought.signature, verifiedAt: Date(), method: .full))
        } catch {
            // In the store, and checked again by the next verification (it reads it).
            logger.warning("\(work.model.id): \(file.path) is adopted but the ledger could not record it: \(error)", metadata: ["model": "\(work.model.id)"])
        }
        await keeper.published(file, of: work.model.id)
        return .adopted(way)
    }

    /// The file copied (a reflink where it can be) into modeld's partial place, hashed
    /// there — the bytes that will be the blob — and published unless they are wrong.
    private func copy(
        _ file: ManifestFile, _ work: AdoptionWork, progress: AdoptProgress
    ) async throws(ProtocolError) -> Result<(check: FileHasher.FirstVerification, signature: StatSignature), Mismatch> {
        let repo = work.manifest.repo, source = work.source(file)
        let partialPath = store.layout.partial(repo, file.digest)
        // A paused download's partial data gives way to the whole file here.
        try? await ledger.forgetJournal(at: partialPath)
        let partial = try await storeCall(file, work) { () throws(SystemError) in
            let partial = try PartialBlob.open(partialPath)
            do throws(SystemError) {
                try partial.truncate()
                try partial.copy(from: source, size: file.size)
            } catch {
                partial.close()
                try? PartialBlob.discard(partialPath)
                throw error
            }
            return partial
        }
        let check: FileHasher.FirstVerification
        do throws(Mismatch) {
            check = try await hash(partialPath, file, progress: progress)
        } catch {
            partial.close()
            _ = await pool.outcome { () throws(SystemError) in try PartialBlob.discard(partialPath) }
            return .failure(error)
        }
        let store = store
        let signature = try await storeCall(file, work) { () throws(SystemError) in
            try store.commitBlob(partial, as: file, repo: repo)
            return try FileStat.signature(store.layout.blob(repo, file.digest))
        }
        guard let signature else { return .failure(Mismatch(reason: "it was gone from the store as soon as it was put there")) }
        return .success((check, signature))
    }

    /// A file shorter than listed (an interrupted copy): its bytes become the start of the
    /// download's partial file, journaled as written, so the pull fetches only the rest.
    /// The download's digest covers every byte: a wrong start means a whole download.
    private func seedDownload(_ file: ManifestFile, _ work: AdoptionWork, from size: Int64) async {
        let partialPath = store.layout.partial(work.manifest.repo, file.digest), source = work.source(file)
        guard let lock = try? await lockBlob(file, work) else { return }
        defer { lock.release() }
        // A download under way has its own bytes there.
        if (try? await ledger.journal(at: partialPath)) != nil { return }
        let seeded = await pool.outcome { () throws(SystemError) in
            let partial = try PartialBlob.open(partialPath)
            defer { partial.close() }
            try partial.truncate()
            try partial.copy(from: source, size: file.size)
            try partial.syncData()
        }
        do {
            try seeded.get()
            let written = RangeSet([ByteRange(0, size)])
            try await ledger.record(TransferJournal(
                path: partialPath, digest: file.digest.hex, size: file.size, written: written, synced: written,
                bootID: TransferJournal.currentBootID))
        } catch {
            logger.warning("\(work.model.id): \(file.path) is fetched whole: its \(size) bytes could not be kept to resume from: \(error)", metadata: ["model": "\(work.model.id)"])
        }
    }

    /// Why a file of the folder is not adopted but fetched.
    struct Mismatch: Error {
        var reason: String
    }

    /// The file's digest, checked against the manifest's.
    private func hash(_ path: String, _ file: ManifestFile, progress: AdoptProgress) async throws(Mismatch) -> FileHasher.FirstVerification {
        let check: FileHasher.FirstVerification
        do throws(HashingError) {
            check = try await hasher.firstVerification(
                path: path, kind: file.digest.kind, expectedSize: file.size, chunkSize: chunkSize, progress: { progress.reading($0) })
        } catch {
            throw Mismatch(reason: "it could not be read whole: \(error)")
        }
        guard check.sizeMatches, check.digest == file.digest.hex else {
            let digest = file.digest.kind == .sha256 ? "SHA-256" : "git SHA-1"
            throw Mismatch(reason: "its bytes do not match the manifest's \(digest): fetched whole (nothing tells which bytes are wrong)")
        }
        return check
    }

    private func lockBlob(_ file: ManifestFile, _ work: AdoptionWork) async throws(ProtocolError) -> BlobLock {
        let path = store.layout.lock(work.manifest.repo, file.digest)
        do throws(BlobLock.WaitFailure) {
            return try await BlobLock.waitFor(path, on: pool) {
                logger.notice("\(work.model.id): \(file.path): waiting for the program that holds \(path)", metadata: ["model": "\(work.model.id)"])
            }
        } catch {
            guard case .failed(let cause) = error else { throw ProtocolError(.internal, "the daemon is stopping", hint: "adopt again once it runs") }
            throw ProtocolError(.internal, "cannot take huggingface_hub's lock on \(file.path): \(cause)", hint: "check the permissions of \(store.layout.root)/.locks")
        }
    }

    /// A store operation for `file`, its failure said the way a person can act on.
    private func storeCall<T: Sendable>(
        _ file: ManifestFile, _ work: AdoptionWork, _ body: @escaping @Sendable () throws(SystemError) -> T
    ) async throws(ProtocolError) -> T {
        switch await pool.outcome(of: body) {
        case .success(let value):
            return value
        case .failure(let error):
            let folder = work.folder
            let (code, hint): (ErrorCode, String) = switch error.errno {
            case ENOSPC: (.noSpace, "free space on the store's filesystem (modelctl cleanup), then adopt again")
            case EXDEV: (.badRequest, "the folder is on another filesystem: adopt with --copy")
            case EPERM, EACCES:
                (.permissionDenied, "the daemon's user may not link or move \(folder)/\(file.path) (fs.protected_hardlinks allows linking only your own files): chown it to the daemon's user, or adopt with --copy")
            default: (.internal, "journalctl -u modeld shows more; what was adopted stays, adopt again to go on")
            }
            throw ProtocolError(code, "\(file.path) could not be brought into the store: \(error)", hint: hint)
        }
    }
}

extension StatSignature {
    /// The same bytes by stat: size, modification time and inode. The change time is not
    /// compared: a link or a rename sets it.
    func sameContent(as other: StatSignature) -> Bool {
        size == other.size && modifiedNanoseconds == other.modifiedNanoseconds && inode == other.inode && device == other.device
    }
}
