import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// What a `pull` must fetch before it is queued: the manifest, the files not verified,
/// the bytes each will move (less what a journal says is on disk already, only the
/// damaged ranges for a file to patch), and whether the disk can take it.
struct DownloadPlanner: Sendable {
    let keeper: Keeper
    let manifests: ManifestSource
    let ledger: Ledger
    let io: BlockingPool
    let logger: Logger

    struct Plan: Sendable {
        var manifest: Manifest
        var files: [ManifestFile]
        var planned: [String: Int64]
        /// Files to patch rather than fetch whole.
        var repairs: Int
        /// Bytes the disk must take: what comes over the network, plus a copy of each
        /// file to patch (it is a new file until it replaces the blob).
        var diskBytes: Int64
    }

    func plan(_ model: CatalogModel, config: ModeldConfig) async throws(ProtocolError) -> Plan {
        let manifest = try await manifest(for: model, config: config)
        let integrity = await keeper.integrity(of: model.id)
        var plan = Plan(manifest: manifest, files: [], planned: [:], repairs: 0, diskBytes: 0)
        for file in manifest.files {
            let condition = integrity?[file.path] ?? .unchecked
            if condition.isVerified { continue }
            plan.files.append(file)
            if let ranges = condition.patchableRanges(fileSize: file.size) {
                plan.planned[file.path] = ranges.reduce(0) { $0 + $1.count }
                plan.repairs += 1
                plan.diskBytes += file.size
            } else {
                let needed = file.size - (await bytesOnDisk(file, repo: manifest.repo))
                plan.planned[file.path] = needed
                plan.diskBytes += needed
            }
        }
        return plan
    }

    /// The Keeper's manifest, or the store's or the hub's (then adopted).
    private func manifest(for model: CatalogModel, config: ModeldConfig) async throws(ProtocolError) -> Manifest {
        if let known = await keeper.integrity(of: model.id)?.manifest { return known }
        switch await manifests.manifest(for: model, config: config) {
        case .success(let manifest):
            await keeper.adopt(manifest, for: model.id)
            return manifest
        case .failure(let failure):
            throw DownloadFailure.error(failure)
        }
    }

    /// Bytes of an interrupted download of `file` that a resume keeps.
    private func bytesOnDisk(_ file: ManifestFile, repo: String) async -> Int64 {
        let path = manifests.store.layout.partial(repo, file.digest)
        guard let journal = try? await ledger.journal(at: path), journal.describes(digest: file.digest, size: file.size) else { return 0 }
        return journal.trusted().byteCount
    }

    /// `needed` plus `[disk] reserve` must fit in what the store's filesystem has free.
    func checkSpace(for model: CatalogModel, needed: Int64, config: ModeldConfig) async throws(ProtocolError) {
        let store = config.daemon.storeDir
        let free: Int64
        do {
            free = try await io.run { try DiskSpace.of(store).availableBytes }
        } catch {
            logger.warning("\(model.id): the free space of \(store) cannot be read, so it is not checked before the download: \(error)")
            return
        }
        let reserve = config.disk.reserve.bytes
        guard needed + reserve > free else { return }
        let candidates = await keeper.cleanupCandidates(excluding: model.id)
        let room = candidates.isEmpty
            ? "no other model here can make room; free space on the filesystem of \(store)"
            : "models here that are not pinned: " + candidates.prefix(5).map { "\($0.model) (\(ByteSize.format($0.bytes)))" }.joined(separator: ", ")
        throw ProtocolError(
            .noSpace,
            "\(model.id) needs \(ByteSize.format(needed)) more and \(ByteSize.format(reserve)) must stay free ([disk] reserve), "
                + "but \(ByteSize.format(free)) is free",
            hint: "free \(ByteSize.format(needed + reserve - free)) — \(room); or lower [disk] reserve")
    }
}
