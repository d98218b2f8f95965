import Logging
import ModeldCore
import ModeldLinux

/// Points `<links_dir>/<model>` at a snapshot once all its files are verified, and tells
/// the Keeper: shared by verification and downloads, which both finish models.
struct StableLinker: Sendable {
    let keeper: Keeper
    let store: Store
    /// The link is written with file system calls that may block.
    let pool: BlockingPool
    let logger: Logger

    func pointIfVerified(_ model: CatalogModel, commit: String) async {
        guard await keeper.filesVerified(model.id) else { return }
        do {
            let store = store
            try await pool.run { try store.pointStableLink(model: model.id, repo: model.repo, commit: commit) }
            await keeper.linked(model.id, to: commit)
        } catch {
            logger.error("cannot point \(store.stableLink(model: model.id)): \(error)", metadata: ["model": "\(model.id)"])
        }
    }
}
