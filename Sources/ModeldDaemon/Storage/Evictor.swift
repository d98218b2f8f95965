import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// `evict`: deletes a model's blobs and snapshot links that no other model needs, and its
/// stable link; keeps its manifest so `pull` can bring it back. Refused (`conflict`)
/// while a lease holds the model or a download is queued for it.
struct Evictor: Sendable {
    let keeper: Keeper
    let downloads: Downloader
    let store: Store
    let ledger: Ledger
    let verifications: VerificationQueue
    let io: BlockingPool
    let logger: Logger

    /// `sparingPinned`: cleanup's call, which must not take a model pinned since it planned.
    func evict(_ id: String, sparingPinned: Bool = false) async throws(ProtocolError) -> EvictResult {
        let model = try await keeper.catalogModel(id)
        if await downloads.hasJob(model.id) {
            throw ProtocolError(
                .conflict, "\(model.id) has a download queued", hint: "modelctl cancel \(model.id) first, then evict it")
        }
        let (manifest, others) = try await keeper.beginEviction(model.id, sparingPinned: sparingPinned)
        let plan = EvictionPlan(model: manifest, others: others, layout: store.layout)
        let outcome = await io.outcome { [store] () throws(SystemError) -> (freed: Int64, linkedElsewhere: Int) in
            try store.remove(store.stableLink(model: model.id))
            for link in plan.snapshotLinks { try store.remove(link) }
            var freed: Int64 = 0
            var linkedElsewhere = 0
            for blob in plan.blobs {
                // A blob adopted by hard link is also the folder's file: removing it frees nothing.
                if (FileStat.linkCount(blob.path) ?? 1) > 1 { linkedElsewhere += 1 } else { freed += blob.bytes }
                try store.remove(blob.path)
            }
            return (freed, linkedElsewhere)
        }
        for blob in plan.blobs {
            do {
                try await ledger.forget(blob.path)
            } catch {
                logger.error("\(model.id): the ledger kept a record of an evicted blob: \(error)", metadata: ["model": "\(model.id)"])
            }
        }
        let shared = Set(plan.shared)
        await keeper.finishEviction(model.id, removed: Set(plan.removedPaths))
        let removed: (freed: Int64, linkedElsewhere: Int)
        switch outcome {
        case .success(let done):
            removed = done
        case .failure(let error):
            // What is left is not known for sure: look again.
            verifications.enqueue(.init(model: model.id, scope: .wholeModel(deep: false), source: .verify))
            throw ProtocolError(
                .internal, "\(model.id) was only partly removed: \(error)", hint: "modelctl status \(model.id) shows what is left once it is checked again")
        }
        let elsewhere = removed.linkedElsewhere == 0
            ? "" : "; \(removed.linkedElsewhere) files are still linked from the folder they were adopted from, and keep their space"
        logger.notice(
            "\(model.id): evicted, \(ByteSize.format(removed.freed)) freed\(shared.isEmpty ? "" : "; \(shared.count) shared files kept")\(elsewhere)",
            metadata: ["model": "\(model.id)"])
        return EvictResult(model: model.id, freedBytes: removed.freed, removedFiles: plan.blobs.count, sharedKept: plan.shared)
    }
}
