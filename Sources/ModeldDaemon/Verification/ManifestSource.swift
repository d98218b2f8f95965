import Foundation
import Logging
import ModeldCore
import ModeldLinux

/// Where a model's manifest comes from: the store first (`refs/<revision>` and the kept
/// `trees/<commit>.json`, so a restart without network knows every file), the hub when
/// the store has none — by the commit the store already names, so adopting a cache never
/// moves it to another revision.
struct ManifestSource: Sendable {
    let store: Store
    /// Network calls and the store's file operations block: they run here, never on the
    /// cooperative pool.
    let pool: BlockingPool
    let logger: Logger

    /// The manifest `model` is checked against; `config` is the one in force now, so a
    /// reload's endpoint, token or offline switch applies to the next request.
    func manifest(for model: CatalogModel, config: ModeldConfig) async -> Result<Manifest, HubFailure> {
        let store = store
        let kept: (commit: String?, manifest: Result<Manifest?, ManifestError>)
        do {
            kept = try await pool.run {
                let commit = model.pinsCommit ? model.revision.lowercased() : store.commit(repo: model.repo, revision: model.revision)
                guard let commit else { return (nil, Result<Manifest?, ManifestError>.success(nil)) }
                do throws(ManifestError) {
                    return (commit, .success(try store.manifest(repo: model.repo, commit: commit)))
                } catch {
                    return (commit, .failure(error))
                }
            }
        } catch {
            return .failure(HubFailure(kind: .transient, message: "the daemon is stopping", hint: "start it again"))
        }
        let known = kept.commit
        if known != nil {
            switch kept.manifest {
            case .success(let manifest?):
                return .success(filtered(manifest, model))
            case .success(nil):
                break
            case .failure(let error):
                logger.warning("the kept manifest of \(model.id) is unusable, asking the hub: \(error)", metadata: ["model": "\(model.id)"])
            }
        }
        guard !config.hub.offline else {
            return .failure(HubFailure(
                kind: .offline, message: "no manifest on disk, and HF_HUB_OFFLINE forbids asking the hub",
                hint: "unset HF_HUB_OFFLINE (or [hub] offline) so the daemon can fetch the file list"))
        }
        let servers = Self.servers(config)
        let revision = known ?? model.revision
        let fetched: (manifest: Manifest, listing: Data)
        do {
            fetched = try await pool.result(of: { () throws(HubFailure) in
                try servers.ask(about: model.repo) { fetcher throws(HubFailure) in try fetcher.fetch(repo: model.repo, revision: revision) }
            }).get()
        } catch {
            return .failure(error as? HubFailure ?? HubFailure(kind: .transient, message: "\(error)", hint: "try again: modelctl verify \(model.id)"))
        }
        do {
            try await pool.run {
                try store.keepListing(fetched.listing, repo: model.repo, commit: fetched.manifest.commit)
                if !model.pinsCommit, known == nil {
                    try store.setCommit(fetched.manifest.commit, repo: model.repo, revision: model.revision)
                }
            }
        } catch {
            logger.warning("cannot keep the manifest of \(model.id) in the store: \(error)", metadata: ["model": "\(model.id)"])
        }
        return .success(filtered(fetched.manifest, model))
    }

    /// The commit the model's revision names on the hub now (an update check): one request.
    func latestCommit(for model: CatalogModel, config: ModeldConfig) async -> Result<String, HubFailure> {
        let servers = Self.servers(config)
        return await hub { () throws(HubFailure) in
            try servers.ask(about: model.repo) { fetcher throws(HubFailure) in try fetcher.commit(repo: model.repo, revision: model.revision) }
        }
    }

    /// The manifest of `commit`, a revision the model may move to: the kept listing, else
    /// the hub's, kept then — `refs/` untouched, so the model stays where it is until an
    /// update switches it.
    func manifest(of commit: String, for model: CatalogModel, config: ModeldConfig) async -> Result<Manifest, HubFailure> {
        let store = store
        if case .success(let kept?) = await hub({ () throws(HubFailure) in try? store.manifest(repo: model.repo, commit: commit) }) {
            return .success(filtered(kept, model))
        }
        let servers = Self.servers(config)
        return await hub { () throws(HubFailure) in
            let fetched = try servers.ask(about: model.repo) { fetcher throws(HubFailure) in try fetcher.fetch(repo: model.repo, revision: commit) }
            do {
                try store.keepListing(fetched.listing, repo: model.repo, commit: fetched.manifest.commit)
            } catch {
                throw HubFailure(kind: .transient, message: "the file list of \(commit.prefix(12)) cannot be kept in the store: \(error)", hint: "check the store's free space and permissions")
            }
            return filtered(fetched.manifest, model)
        }
    }

    /// The endpoint, then the mirrors: the servers file downloads use, in their order.
    private static func servers(_ config: ModeldConfig) -> ListingServers {
        ListingServers(endpoint: config.hub.endpoint, mirrors: config.hub.mirrors, token: config.token?.value)
    }

    /// `work` on the pool; a pool shut down reads as the daemon stopping.
    private func hub<T: Sendable>(_ work: @escaping @Sendable () throws(HubFailure) -> T) async -> Result<T, HubFailure> {
        do {
            return try await pool.result(of: work)
        } catch {
            return .failure(HubFailure(kind: .transient, message: "the daemon is stopping", hint: "start it again"))
        }
    }

    /// Whether the store holds anything of the model's repository.
    func anythingStored(_ model: CatalogModel) -> Bool {
        FileStat.isDirectory(store.layout.repoFolder(model.repo))
    }

    private func filtered(_ manifest: Manifest, _ model: CatalogModel) -> Manifest {
        let filter = FileFilter(include: model.include, exclude: model.exclude)
        var kept = manifest
        kept.files = manifest.files.filter { filter.keeps($0.path) }
        return kept
    }
}
