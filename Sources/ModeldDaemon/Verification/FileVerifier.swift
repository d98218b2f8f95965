import Foundation
import Glibc
import Logging
import ModeldCore
import ModeldLinux
import Synchronization

/// Decides what one file of a manifest is: the stat fast path when nothing changed, chunk
/// re-verification when a chunk index exists (naming damaged ranges, a truncated tail or
/// a damaged header among them, so a repair fetches only those), else the structure check
/// before any hashing, and a whole read (recording the chunk index).
/// Only reads the store: what is absent or damaged is reported, never "fixed" here.
struct FileVerifier: Sendable {
    let store: Store
    let ledger: Ledger
    var hasher: FileHasher
    let chunkSize: Int
    let counters: VerifyCounters
    /// Builds the chunk index of blobs verified as they were downloaded.
    let indexer: ChunkIndexer
    let logger: Logger
    /// Verdicts on damaged blobs by the stat signature they had: an unchanged bad file is
    /// known bad without reading it again (a good one has the ledger for that).
    let damage = DamageMemo()

    /// How far a check goes.
    enum Depth: Sendable {
        /// Trust an unchanged stat signature, good or bad: start-up, the watcher.
        case changed
        /// Read files found good again, but not known damage: the scrub.
        case good
        /// Read every file again: `verify --deep`.
        case everything
    }

    /// The files of `manifest` that `check` at depth `.changed` would find verified by
    /// their stat alone (linked, recorded for this digest and chunk size, the same stat
    /// signature), found with one pass over the disk and one ledger read instead of a few
    /// hops per file: how a restart with nothing changed settles 10,000 files quickly.
    /// The rest, and every shard index (`check` also compares it with the manifest), are
    /// for `check`; so is every file when the ledger or the disk fails here (`check` then
    /// says what failed, file by file).
    func unchanged(_ files: [ManifestFile], of manifest: Manifest) async -> [ManifestFile] {
        let files = files.filter { !$0.path.hasSuffix(".safetensors.index.json") }
        let blobs = files.map { store.layout.blob(manifest.repo, $0.digest) }
        guard let records = try? await ledger.verifiedBlobs(at: blobs) else { return [] }
        let signatures = (try? await hasher.pool.run { [store] in
            zip(files, blobs).map { file, blob in
                store.isLinked(file, repo: manifest.repo, commit: manifest.commit) ? (try? FileStat.signature(blob)).flatMap { $0 } : nil
            }
        }) ?? []
        var unchanged: [ManifestFile] = []
        for ((file, blob), signature) in zip(zip(files, blobs), signatures) {
            guard let signature, let record = records[blob], record.digest == file.digest.hex, record.size == file.size,
                record.chunkSize == Int64(chunkSize), record.signature == signature
            else { continue }
            unchanged.append(file)
        }
        counters.addVerified(unchanged.count)
        return unchanged
    }

    func check(_ file: ManifestFile, of manifest: Manifest, depth: Depth) async -> FileCondition {
        let blob = store.layout.blob(manifest.repo, file.digest)
        do {
            // stat and readlink block on a cold disk or a network mount: not on the cooperative pool.
            let (linked, observed) = try await hasher.pool.run { [store] in
                (store.isLinked(file, repo: manifest.repo, commit: manifest.commit), try FileStat.signature(blob))
            }
            guard linked, let before = observed else { return .missing }
            var record = try await ledger.verifiedBlob(at: blob)
            if let known = record, known.chunkHashes.isEmpty, file.size > 0, known.signature == before, depth != .changed {
                // Verified by its download's digest, index not built yet, and a deep look
                // asked for: the index being built (from these very bytes) is the look.
                // A blob changed since is read whole below: a build would drop its hashes.
                await indexer.wait(for: blob)
                record = try await ledger.verifiedBlob(at: blob)
            }
            let recorded = record.flatMap { $0.digest == file.digest.hex && $0.size == file.size && $0.chunkSize == Int64(chunkSize) ? $0 : nil }
            let index = recorded.flatMap { !$0.chunkHashes.isEmpty || file.size == 0 ? $0 : nil }
            var condition: FileCondition
            if let recorded, depth == .changed, recorded.signature == before {
                condition = .verified(.stat)
            } else if depth != .everything, let known = damage.verdict(blob, signature: before) {
                return known
            } else if let index {
                condition = try await reverify(file, blob: blob, against: index, signature: before)
            } else if before.size != file.size {
                condition = .corrupted(damagedRanges: ByteRange.whole(file.size), reason: "it has \(before.size) bytes, the manifest says \(file.size)")
            } else if file.path.hasSuffix(".safetensors"), let problem = try await hasher.pool.run({ try SafetensorsFile.problem(at: blob) }) {
                condition = .corrupted(damagedRanges: ByteRange.whole(file.size), reason: problem.description)
            } else {
                condition = try await firstVerification(file, blob: blob, signature: before)
            }
            // A file that changed while it was read proves nothing: the watcher saw the
            // change and will have it checked again.
            guard try await hasher.pool.run({ try FileStat.signature(blob) }) == before else { return .unchecked }
            if case .verified = condition, file.path.hasSuffix(".safetensors.index.json") {
                condition = try await shardIndexCondition(file, of: manifest, blob: blob, otherwise: condition)
            }
            if case .verified = condition { counters.addVerified() }
            damage.remember(condition, for: blob, signature: before)
            return condition
        } catch let error as HashingError {
            return await outcome(of: error, file, of: manifest, blob: blob, depth: depth)
        } catch let error as SystemError where error.errno == EACCES || error.errno == EPERM {
            return .unverifiable(reason: "\(error)")
        } catch let error as SystemError {
            return .corrupted(damagedRanges: ByteRange.whole(file.size), reason: "it cannot be read: \(error)")
        } catch {
            // The ledger (SQLite) failed: the file is not known bad, it is not known at all.
            logger.error("cannot verify \(file.path): \(error)", metadata: ["file": "\(file.path)"])
            return .unverifiable(reason: "the ledger failed: \(error)")
        }
    }

    /// What a hashing failure says about the file.
    private func outcome(
        of error: HashingError, _ file: ManifestFile, of manifest: Manifest, blob: String, depth: Depth
    ) async -> FileCondition {
        switch error {
        case .cancelled, .poolShutDown, .poolStartFailed:
            return .unchecked  // Shutting down: nothing was learnt.
        case .openFailed(_, let cause) where cause.errno == ENOENT:
            return .missing  // Deleted while being checked.
        case .openFailed(_, let cause) where cause.errno == EACCES || cause.errno == EPERM:
            return .unverifiable(reason: "\(error)")
        case .shorterThanExpected, .longerThanExpected:
            return .unchecked  // A writer is at work; the watcher will report when it stops.
        case .invalidArgument:
            // A chunk index that does not fit the file: forget it and read the file whole.
            do {
                try await ledger.forget(blob)
            } catch {
                return .unverifiable(reason: "the ledger failed: \(error)")
            }
            return await check(file, of: manifest, depth: depth)
        default:
            return .corrupted(damagedRanges: ByteRange.whole(file.size), reason: "it cannot be read: \(error)")
        }
    }

    /// Re-hashes the chunks against the index; a good file gets its new stat signature.
    private func reverify(_ file: ManifestFile, blob: String, against index: VerifiedBlob, signature: StatSignature) async throws -> FileCondition {
        let result = try await hasher.damagedChunks(path: blob, expected: index.chunks, chunkSize: chunkSize, expectedSize: file.size)
        counters.addHashed(result.bytesHashed)
        if result.isIntact {
            var updated = index
            updated.signature = signature
            updated.verifiedAt = Date()
            updated.method = VerifyMethod.chunks.rawValue
            try await ledger.record(updated)
            return .verified(.chunks)
        }
        var damaged = index
        damaged.forgetSignature()
        try await ledger.record(damaged)
        let ranges = ByteRange.ranges(chunks: result.damaged, chunkSize: Int64(chunkSize), fileSize: file.size)
        let damagedBytes = ranges.reduce(0) { $0 + $1.count }
        let reason = result.actualSize == file.size
            ? "\(damagedBytes) bytes in \(ranges.count) range\(ranges.count == 1 ? "" : "s") do not match"
            : "it has \(result.actualSize) bytes, the manifest says \(file.size)"
        return .corrupted(damagedRanges: ranges.isEmpty ? ByteRange.whole(file.size) : ranges, reason: reason)
    }

    /// Reads the whole file once: its digest against the manifest, and the chunk index.
    private func firstVerification(_ file: ManifestFile, blob: String, signature: StatSignature) async throws -> FileCondition {
        let result = try await hasher.firstVerification(
            path: blob, kind: file.digest.kind, expectedSize: file.size, chunkSize: chunkSize)
        counters.addHashed(result.bytesRead)
        guard result.sizeMatches, result.digest == file.digest.hex else {
            try await ledger.forget(blob)
            let reason = result.sizeMatches
                ? "its \(file.digest.kind == .sha256 ? "SHA-256" : "git SHA-1") does not match the manifest"
                : "it has \(result.bytesRead) bytes, the manifest says \(file.size)"
            return .corrupted(damagedRanges: ByteRange.whole(file.size), reason: reason)
        }
        try await ledger.record(VerifiedBlob(
            path: blob, digest: file.digest, chunkSize: Int64(chunkSize), chunkHashes: result.chunkHashes,
            signature: signature, verifiedAt: Date(), method: .full))
        return .verified(.full)
    }

    /// A good shard index must also name exactly the shards beside it in the manifest:
    /// otherwise a generation fails to load the model, however good each file is.
    private func shardIndexCondition(
        _ file: ManifestFile, of manifest: Manifest, blob: String, otherwise good: FileCondition
    ) async throws -> FileCondition {
        let folder = (file.path as NSString).deletingLastPathComponent
        let shards = Set(manifest.files.map(\.path).filter {
            ($0 as NSString).deletingLastPathComponent == folder && $0.hasSuffix(".safetensors")
        }.map { ($0 as NSString).lastPathComponent })
        let problems: [StructureProblem]
        do {
            // An index is a few MB at most; its size is the manifest's, already checked.
            let data = try await hasher.pool.run { try Data(contentsOf: URL(fileURLWithPath: blob)) }
            problems = try ShardIndex.parse(data).problems(presentShards: shards, tensorsByShard: nil)
        } catch let problem as StructureProblem {
            problems = [problem]
        }
        guard !problems.isEmpty else { return good }
        return .corrupted(
            damagedRanges: ByteRange.whole(file.size),
            reason: "it does not match the shards: " + problems.map(\.description).joined(separator: "; "))
    }
}

/// The last damage verdict on each blob file, with the stat signature it was made for.
final class DamageMemo: Sendable {
    private let verdicts = Mutex<[String: (signature: StatSignature, condition: FileCondition)]>([:])

    func verdict(_ blob: String, signature: StatSignature) -> FileCondition? {
        verdicts.withLock { $0[blob].flatMap { $0.signature == signature ? $0.condition : nil } }
    }

    func remember(_ condition: FileCondition, for blob: String, signature: StatSignature) {
        verdicts.withLock { verdicts in
            if case .corrupted = condition {
                verdicts[blob] = (signature, condition)
            } else {
                verdicts[blob] = nil
            }
        }
    }
}
