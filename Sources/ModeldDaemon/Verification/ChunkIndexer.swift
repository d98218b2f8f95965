import Foundation
import Logging
import ModeldCore
import ModeldLinux

/// Builds the chunk index of a blob whose whole-file digest already matched as it was
/// downloaded (STORE.md, Verification): once, from the page cache, at idle priority, off
/// the download's critical path. Until it is built the ledger knows the blob as verified
/// with no chunks: its stat signature is trusted, and a check of a changed blob waits for
/// the index here, so a repair still fetches only the damaged chunks. Every build is
/// tracked: `close()` ends them with the daemon.
actor ChunkIndexer {
    private let hasher: FileHasher
    private let ledger: Ledger
    private let chunkSize: Int
    private let logger: Logger
    private var building: [String: (id: Int, task: Task<Void, Never>)] = [:]
    private var nextID = 0
    private var closed = false

    init(hasher: FileHasher, ledger: Ledger, chunkSize: Int, logger: Logger) {
        self.hasher = hasher
        self.ledger = ledger
        self.chunkSize = chunkSize
        self.logger = logger
    }

    /// Starts building the index of `blob`, which had `signature` when its digest matched.
    func build(_ file: ManifestFile, blob: String, signature: StatSignature) {
        guard !closed else { return }
        building[blob]?.task.cancel()
        nextID += 1
        let id = nextID
        let task = Task { [hasher, ledger, chunkSize, logger] in
            do {
                let hashes = try await hasher.chunkHashes(path: blob, size: file.size, chunkSize: chunkSize)
                // Changed while it was read: the hashes describe no verified version; the
                // watcher has it checked again.
                guard try await hasher.pool.run({ try FileStat.signature(blob) }) == signature else { return }
                try await ledger.record(VerifiedBlob(
                    path: blob, digest: file.digest, chunkSize: Int64(chunkSize), chunkHashes: hashes, signature: signature,
                    verifiedAt: Date(), method: .full))
            } catch {
                if !Task.isCancelled {
                    logger.warning("no chunk index for \(file.path) yet (the next check reads it whole): \(error)", metadata: ["file": "\(file.path)"])
                }
            }
            self.finished(blob, id: id)
        }
        building[blob] = (id, task)
    }

    /// Returns once no index of `blob` is being built.
    func wait(for blob: String) async {
        await building[blob]?.task.value
    }

    /// Ends every build (the daemon is stopping): the blobs stay verified, without chunks.
    func close() async {
        closed = true
        let tasks = building.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func finished(_ blob: String, id: Int) {
        if building[blob]?.id == id { building[blob] = nil }
    }
}
