import Foundation
import Glibc
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// `adopt`: brings a model folder other tools made (`hf download --local-dir`, a plain
/// copy, a `git lfs clone`) into the store without the network, and `adopt --scan` finds
/// such folders. Every file is hashed against the manifest before it is trusted; the
/// good ones come in by hard link, rename or copy; what is missing or damaged is then
/// fetched by an ordinary pull. Each file is recorded verified as soon as it is in, so a
/// crash half way loses nothing, and nothing in the folder is removed but a file that
/// `--move` brought in whole. A service: adoptions run in its task group, and a stop
/// ends them between two files.
actor Adopter: Service {
    let keeper: Keeper
    let store: Store
    let ledger: Ledger
    let manifests: ManifestSource
    let hasher: FileHasher
    let verifier: FileVerifier
    let downloads: Downloader
    let linker: StableLinker
    let events: EventBus
    let chunkSize: Int
    let logger: Logger
    /// Models being adopted now: one adoption of a model at a time.
    private var running: Set<String> = []
    /// Planned adoptions, for `run` to start.
    private let planned: AsyncStream<AdoptionWork>
    private let toStart: AsyncStream<AdoptionWork>.Continuation

    init(
        keeper: Keeper, store: Store, ledger: Ledger, manifests: ManifestSource, hasher: FileHasher, verifier: FileVerifier,
        downloads: Downloader, linker: StableLinker, events: EventBus, chunkSize: Int, logger: Logger
    ) {
        self.keeper = keeper
        self.store = store
        self.ledger = ledger
        self.manifests = manifests
        self.hasher = hasher
        self.verifier = verifier
        self.downloads = downloads
        self.linker = linker
        self.events = events
        self.chunkSize = chunkSize
        self.logger = logger
        (planned, toStart) = AsyncStream.makeStream()
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for await work in planned.cancelOnGracefulShutdown() {
                group.addTask { await self.finish(work, report: await self.run(work)) }
            }
            group.cancelAll()
        }
    }

    /// Blocking work (listing, linking, copying) runs on the hashing pool: it is bulk work
    /// like the hashing itself, and never delays requests.
    var pool: BlockingPool { hasher.pool }

    /// Plans the adoption, answers at once, and adopts in the background.
    func adopt(_ arguments: AdoptArguments) async throws(ProtocolError) -> AdoptPlanResult {
        guard let id = arguments.model else {
            throw ProtocolError(.badRequest, "adopt needs 'model', or 'scan': true", hint: #"like {"cmd":"adopt","model":"ti2v-5B","path":"/srv/models/Wan2.2-TI2V-5B"}"#)
        }
        let model = try await keeper.catalogModel(id)
        let folder = try await checkedFolder(arguments.path)
        guard !running.contains(model.id) else {
            throw ProtocolError(.conflict, "\(model.id) is being adopted already", hint: "modelctl watch --model \(model.id) shows its progress")
        }
        if await keeper.isEvicting(model.id) {
            throw ProtocolError(.conflict, "\(model.id) is being evicted", hint: "adopt it once the eviction is done")
        }
        let listing = try await list(folder)
        let (manifest, commitFrom) = try await manifest(for: model, naming: listing.metadata.values)
        let mode = try await mode(arguments.mode, folder: folder)
        let plan = AdoptionPlan(manifest: manifest, folder: listing.files)
        if let (path, problem) = plan.unreadable {
            throw ProtocolError(
                .badRequest, "\(folder)/\(path): \(problem)",
                hint: "the daemon reads the folder as its own user: give it read access (setfacl -R -m u:modeld:rX \(folder)), or fix the file, then adopt again")
        }
        if mode == .copy {
            try await downloads.planner.checkSpace(for: model, needed: plan.candidateBytes, config: await keeper.config)
        }
        running.insert(model.id)
        await keeper.adopt(manifest, for: model.id)
        let work = AdoptionWork(model: model, manifest: manifest, folder: folder, mode: mode, plan: plan, listing: listing)
        logger.notice(
            "\(model.id): adopting \(folder) by \(mode.rawValue): \(plan.candidates.count) files (\(ByteSize.format(plan.candidateBytes))) to check, \(plan.toFetch.count) to fetch",
            metadata: ["model": "\(model.id)"])
        toStart.yield(work)
        return AdoptPlanResult(
            model: model.id, path: folder, commit: manifest.commit, commitFrom: commitFrom, mode: mode,
            filesToCheck: plan.candidates.count, bytesToCheck: plan.candidateBytes,
            toFetch: await unverified(plan.toFetch, of: model.id).map { AdoptFileNote(path: $0.file.path, reason: $0.reason) },
            extra: Array(plan.extras.prefix(100)), extraCount: plan.extras.count)
    }

    /// The files the store does not hold verified, as far as the Keeper knows now.
    private func unverified(
        _ files: [(file: ManifestFile, reason: String)], of id: String
    ) async -> [(file: ManifestFile, reason: String)] {
        var kept: [(file: ManifestFile, reason: String)] = []
        for entry in files where await keeper.condition(of: entry.file.path, in: id)?.isVerified != true { kept.append(entry) }
        return kept
    }

    private func finish(_ work: AdoptionWork, report: AdoptReport) {
        running.remove(work.model.id)
        let outcome = report.error.map { "stopped: \($0.message)" } ?? "\(report.fetching.count) files to fetch"
        logger.notice(
            "\(work.model.id): adopted \(report.adopted) files (\(ByteSize.format(report.bytesAdopted))) from \(work.folder); \(outcome)",
            metadata: ["model": "\(work.model.id)"])
        events.publish(Event(.adoptDone(report)))
    }

    // MARK: - Checks before any work

    /// The folder, absolute and resolved, readable, and not inside the store.
    func checkedFolder(_ path: String) async throws(ProtocolError) -> String {
        guard path.hasPrefix("/") else {
            throw ProtocolError(.badRequest, "the folder must be an absolute path: \(path)", hint: "modelctl adopt makes it absolute for you")
        }
        let storeRoot = store.layout.root
        let resolved: (folder: String?, store: String?)
        do {
            resolved = try await pool.run { (Self.realPath(path), Self.realPath(storeRoot)) }
        } catch {
            throw ProtocolError(.internal, "the daemon is stopping", hint: "start it again")
        }
        guard let folder = resolved.folder, FileStat.isDirectory(folder) else {
            throw ProtocolError(.notFound, "no folder at \(path)", hint: "give the folder that holds the model's files (config.json, *.safetensors…)")
        }
        let storeFolder = resolved.store ?? storeRoot
        guard folder != storeFolder, !folder.hasPrefix(storeFolder + "/") else {
            throw ProtocolError(
                .badRequest, "\(folder) is inside the store (\(storeFolder)): what is there is the store's already",
                hint: "modelctl verify checks the store; adopt takes folders made by other tools")
        }
        return folder
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    func list(_ folder: String, excludingStore: Bool = false) async throws(ProtocolError) -> FolderListing {
        let excluded: Set<String> = excludingStore ? [Self.realPath(store.layout.root) ?? store.layout.root] : []
        do {
            return try await pool.result(of: { () throws(SystemError) in try FolderListing.list(folder, excluding: excluded) }).get()
        } catch let error as SystemError {
            throw ProtocolError(
                .badRequest, "cannot read the folder: \(error)",
                hint: "the daemon reads it as its own user: give it read access (setfacl -R -m u:modeld:rX \(folder)), then adopt again")
        } catch {
            throw ProtocolError(.internal, "the daemon is stopping", hint: "start it again")
        }
    }

    /// The manifest the folder is checked against, and what named its commit. A commit
    /// the local-dir metadata names wins while the store holds nothing verified of the
    /// model; otherwise the store's (adopting never moves a model that is in use), and for
    /// a catalog entry pinned to a commit, that commit.
    private func manifest(for model: CatalogModel, naming metadata: some Collection<LocalDirMetadata>) async throws(ProtocolError) -> (Manifest, String) {
        let config = await keeper.config
        let nothingVerified = (await keeper.integrity(of: model.id)?.verifiedCount ?? 0) == 0
        if !model.pinsCommit, nothingVerified, let named = LocalDirMetadata.commit(namedBy: metadata) {
            switch await manifests.manifest(of: named, for: model, config: config) {
            case .success(let manifest):
                do {
                    let store = store
                    try await pool.run { try store.setCommit(named, repo: model.repo, revision: model.revision) }
                } catch {
                    throw ProtocolError(.internal, "cannot write refs/\(model.revision) in the store: \(error)", hint: "check the store's permissions")
                }
                return (manifest, "local-dir metadata")
            case .failure(let failure):
                logger.warning(
                    "\(model.id): the commit the folder's metadata names (\(named.prefix(12))) has no file list: \(failure.message); using the catalog's",
                    metadata: ["model": "\(model.id)"])
            }
        }
        let stored = manifests.anythingStored(model)
        switch await manifests.manifest(for: model, config: config) {
        case .success(let manifest):
            return (manifest, stored ? "the store" : "the catalog")
        case .failure(let failure):
            throw DownloadFailure.error(failure)
        }
    }

    /// The way files come in: as asked, or a link when the folder shares the store's
    /// filesystem and a copy when not. A link or rename cannot cross filesystems.
    private func mode(_ asked: AdoptMode?, folder: String) async throws(ProtocolError) -> AdoptMode {
        let storeRoot = store.layout.root
        let sameFilesystem: Bool
        do {
            sameFilesystem = try await pool.run { try Store.device(of: folder) == Store.device(of: storeRoot) }
        } catch {
            throw ProtocolError(.internal, "cannot tell which filesystem \(folder) is on: \(error)", hint: "check that the store exists: \(storeRoot)")
        }
        guard let asked else { return sameFilesystem ? .link : .copy }
        if asked != .copy, !sameFilesystem {
            throw ProtocolError(
                .badRequest, "\(folder) is on another filesystem than the store (\(storeRoot)): a \(asked == .link ? "hard link" : "rename") cannot cross it",
                hint: "adopt with --copy (a reflink where the filesystem can, else a copy), or move the folder onto the store's filesystem first")
        }
        return asked
    }
}

/// One adoption under way.
struct AdoptionWork: Sendable {
    var model: CatalogModel
    var manifest: Manifest
    var folder: String
    var mode: AdoptMode
    var plan: AdoptionPlan
    var listing: FolderListing

    func source(_ file: ManifestFile) -> String { folder + "/" + file.path }
}
