import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// Runs verifications one model at a time (each file's chunks are hashed on every core):
/// every model at start-up, then what the watcher, `verify` and the scrub ask for.
struct VerificationService: Service {
    let keeper: Keeper
    let queue: VerificationQueue
    let manifests: ManifestSource
    let verifier: FileVerifier
    let logger: Logger

    func run() async throws {
        let config = await keeper.config
        for model in config.models {
            queue.enqueue(.init(model: model.id, scope: .wholeModel(deep: config.verify.onStart == .full), source: .verify))
        }
        await withTaskCancellationHandler {
            for await _ in queue.wakeups.cancelOnGracefulShutdown() {
                while let request = queue.next(), !Task.isCancelled {
                    await perform(request)
                }
            }
        } onCancel: {
            queue.finish()
        }
    }

    private func perform(_ request: VerificationQueue.Request) async {
        guard let model = try? await keeper.catalogModel(request.model) else { return }
        switch request.scope {
        case .wholeModel(let deep):
            await verifyWhole(model, deep: deep, source: request.source)
        case .files(let paths):
            await verify(paths, of: model, source: request.source)
        }
    }

    private func verifyWhole(_ model: CatalogModel, deep: Bool, source: IntegritySource) async {
        let manifest: Manifest
        switch await manifests.manifest(for: model, config: await keeper.config) {
        case .success(let found):
            manifest = found
        case .failure(let problem):
            logger.warning("\(model.id): no manifest: \(problem)", metadata: ["model": "\(model.id)"])
            await keeper.manifestUnavailable(for: model.id, problem: problem.message, anythingStored: manifests.anythingStored(model))
            return
        }
        await keeper.adopt(manifest, for: model.id)
        await keeper.beginVerification(of: model.id, files: manifest.files.count)
        var methods: [VerifyMethod: Int] = [:]
        for file in manifest.files {
            if Task.isCancelled { return }
            let condition = await verifier.check(file, repo: model.repo, commit: manifest.commit, deep: deep)
            if case .verified(let method) = condition { methods[method, default: 0] += 1 }
            await keeper.record(condition, for: file.path, of: model.id, source: source)
        }
        await checkShardIndexes(of: model, manifest, source: source)
        await keeper.finishVerification(of: model.id, method: methods.max { $0.value < $1.value }?.key ?? .stat)
        await pointStableLink(model, manifest)
    }

    /// Re-checks only the files named (a change the watcher saw).
    private func verify(_ paths: Set<String>, of model: CatalogModel, source: IntegritySource) async {
        guard let manifest = await keeper.manifests().first(where: { $0.model == model.id })?.manifest else {
            return await verifyWhole(model, deep: false, source: source)
        }
        for file in manifest.files where paths.contains(file.path) {
            let condition = await verifier.check(file, repo: model.repo, commit: manifest.commit, deep: false)
            await keeper.record(condition, for: file.path, of: model.id, source: source)
        }
        await pointStableLink(model, manifest)
    }

    /// A verified shard index must name exactly the shards beside it in the manifest: a
    /// mismatch means a generation would fail to load the model, however good each file is.
    private func checkShardIndexes(of model: CatalogModel, _ manifest: Manifest, source: IntegritySource) async {
        for index in manifest.files where index.path.hasSuffix(".safetensors.index.json") {
            guard await keeper.condition(of: index.path, in: model.id)?.isVerified == true else { continue }
            let folder = (index.path as NSString).deletingLastPathComponent
            let shards = Set(manifest.files.map(\.path).filter {
                ($0 as NSString).deletingLastPathComponent == folder && $0.hasSuffix(".safetensors")
            }.map { ($0 as NSString).lastPathComponent })
            let blob = manifests.store.layout.blob(model.repo, index.digest)
            let problems: [StructureProblem]
            do {
                let data = try await verifier.hasher.pool.run { try Data(contentsOf: URL(fileURLWithPath: blob)) }
                problems = try ShardIndex.parse(data).problems(presentShards: shards, tensorsByShard: nil)
            } catch let problem as StructureProblem {
                problems = [problem]
            } catch {
                logger.warning("cannot read \(index.path): \(error)", metadata: ["model": "\(model.id)", "file": "\(index.path)"])
                continue
            }
            guard !problems.isEmpty else { continue }
            let reason = "it does not match the shards: " + problems.map(\.description).joined(separator: "; ")
            await keeper.record(
                .corrupted(damagedRanges: [ByteRange(0, max(index.size, 1))], reason: reason), for: index.path, of: model.id,
                source: source)
        }
    }

    /// `<links_dir>/<model>` follows the verified snapshot.
    private func pointStableLink(_ model: CatalogModel, _ manifest: Manifest) async {
        guard await keeper.state(of: model.id) == .available else { return }
        do {
            try manifests.store.pointStableLink(model: model.id, repo: model.repo, commit: manifest.commit)
        } catch {
            logger.error("cannot point \(manifests.store.stableLink(model: model.id)): \(error)", metadata: ["model": "\(model.id)"])
        }
    }
}
