import Foundation
import Logging
import ModeldCore
import ModeldLinux
import Synchronization

/// Decides what one file of a manifest is: the stat fast path when nothing changed, the
/// structure check before any hashing, chunk re-verification when a chunk index exists
/// (naming damaged ranges), a whole read when it does not (recording the chunk index).
struct FileVerifier: Sendable {
    let store: Store
    let ledger: Ledger
    var hasher: FileHasher
    let chunkSize: Int
    let counters: VerifyCounters
    let logger: Logger
    /// Verdicts on damaged blobs by the stat signature they had: an unchanged bad file is
    /// known bad without reading it again (a good one has the ledger for that).
    let damage = DamageMemo()

    /// `deep`: read the bytes even when the stat signature is unchanged (scrub, `verify --deep`).
    func check(_ file: ManifestFile, repo: String, commit: String, deep: Bool) async -> FileCondition {
        let blob = store.layout.blob(repo, file.digest)
        // Verification only reads: a snapshot entry that is gone is missing even when its
        // blob is still there (a repair links it again without fetching a byte).
        guard case .present = store.presence(of: file, repo: repo, commit: commit) else { return .missing }
        do {
            guard let before = try FileStat.signature(blob) else { return .missing }
            let record = try await ledger.verifiedBlob(file.digest)
            let index = record.flatMap { $0.size == file.size && $0.chunkSize == Int64(chunkSize) ? $0 : nil }
            if let index, !deep, index.signature == before {
                counters.addVerified()
                return .verified(.stat)
            }
            if !deep, let known = damage.verdict(file.digest, signature: before) { return known }
            if before.size != file.size && index == nil {
                return .corrupted(damagedRanges: [ByteRange(0, max(file.size, 1))], reason: "it has \(before.size) bytes, the manifest says \(file.size)")
            }
            if file.path.hasSuffix(".safetensors"), let problem = try await structureProblem(blob) {
                return .corrupted(damagedRanges: [ByteRange(0, max(file.size, 1))], reason: problem.description)
            }
            let condition: FileCondition
            if let index {
                condition = try await reverify(file, blob: blob, against: index)
            } else {
                condition = try await firstVerification(file, blob: blob, signature: before)
            }
            // A file that changed while it was read proves nothing: the watcher saw the
            // change and will have it checked again.
            guard try FileStat.signature(blob) == before else { return .unchecked }
            if case .verified = condition { counters.addVerified() }
            damage.remember(condition, for: file.digest, signature: before)
            return condition
        } catch {
            logger.error("cannot verify \(file.path): \(error)", metadata: ["file": "\(file.path)"])
            return .corrupted(damagedRanges: [ByteRange(0, max(file.size, 1))], reason: "it cannot be read: \(error)")
        }
    }

    /// Re-hashes the chunks against the index; a good file gets its new stat signature.
    private func reverify(_ file: ManifestFile, blob: String, against index: VerifiedBlob) async throws -> FileCondition {
        let signature = try FileStat.signature(blob)
        let result = try await hasher.damagedChunks(path: blob, expected: index.chunks, chunkSize: chunkSize, expectedSize: file.size)
        counters.addHashed(result.bytesHashed)
        if result.isIntact {
            var updated = index
            if let signature { updated.signature = signature }
            updated.verifiedAt = Date()
            updated.method = VerifyMethod.chunks.rawValue
            try await ledger.record(updated)
            return .verified(.chunks)
        }
        let ranges = ByteRange.ranges(chunks: result.damaged, chunkSize: Int64(chunkSize), fileSize: file.size)
        let damagedBytes = ranges.reduce(0) { $0 + $1.count }
        let reason = result.actualSize == file.size
            ? "\(damagedBytes) bytes in \(ranges.count) range\(ranges.count == 1 ? "" : "s") do not match"
            : "it has \(result.actualSize) bytes, the manifest says \(file.size)"
        return .corrupted(damagedRanges: ranges.isEmpty ? [ByteRange(0, max(file.size, 1))] : ranges, reason: reason)
    }

    /// Reads the whole file once: its digest against the manifest, and the chunk index.
    private func firstVerification(_ file: ManifestFile, blob: String, signature: StatSignature) async throws -> FileCondition {
        let result = try await hasher.firstVerification(
            path: blob, kind: file.digest.kind, expectedSize: file.size, chunkSize: chunkSize)
        counters.addHashed(result.bytesRead)
        guard result.sizeMatches, result.digest == file.digest.hex else {
            try await ledger.forget(file.digest)
            let reason = result.sizeMatches
                ? "its \(file.digest.kind == .sha256 ? "SHA-256" : "git SHA-1") does not match the manifest"
                : "it has \(result.bytesRead) bytes, the manifest says \(file.size)"
            return .corrupted(damagedRanges: [ByteRange(0, max(file.size, 1))], reason: reason)
        }
        try await ledger.record(VerifiedBlob(
            digest: file.digest, size: file.size, chunkSize: Int64(chunkSize), chunkHashes: result.chunkHashes,
            signature: signature, verifiedAt: Date(), method: .full))
        return .verified(.full)
    }

    private func structureProblem(_ blob: String) async throws -> StructureProblem? {
        try await hasher.pool.run { try SafetensorsFile.problem(at: blob) }
    }
}

/// The last damage verdict on each blob, with the stat signature it was made for.
final class DamageMemo: Sendable {
    private let verdicts = Mutex<[FileDigest: (signature: StatSignature, condition: FileCondition)]>([:])

    func verdict(_ digest: FileDigest, signature: StatSignature) -> FileCondition? {
        verdicts.withLock { $0[digest].flatMap { $0.signature == signature ? $0.condition : nil } }
    }

    func remember(_ condition: FileCondition, for digest: FileDigest, signature: StatSignature) {
        verdicts.withLock { verdicts in
            if case .corrupted = condition {
                verdicts[digest] = (signature, condition)
            } else {
                verdicts[digest] = nil
            }
        }
    }
}
