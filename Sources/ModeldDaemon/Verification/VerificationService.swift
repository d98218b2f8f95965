import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle
import Synchronization

/// Runs verifications one model at a time (each file's chunks are hashed on every core):
/// every model at start-up, then what the watcher, `verify` and the scrub ask for.
struct VerificationService: Service {
    let keeper: Keeper
    let queue: VerificationQueue
    let manifests: ManifestSource
    let verifier: FileVerifier
    let linker: StableLinker
    /// Where each verification's figures go (`usage`'s verify speed).
    let ledger: Ledger
    let logger: Logger
    /// Failed manifest fetches per model, for the backoff before the next try.
    private let attempts = ManifestAttempts()

    func run() async throws {
        let config = await keeper.config
        for model in config.models {
            queue.enqueue(.init(model: model.id, scope: .wholeModel(deep: config.verify.onStart == .full), source: .verify))
        }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    // Retries wait in the queue's deferred list; a tick hands over the due ones.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        queue.promoteDue()
                    }
                }
                for await _ in queue.wakeups.cancelOnGracefulShutdown() {
                    while let request = queue.next(), !Task.isCancelled {
                        await perform(request)
                    }
                }
                group.cancelAll()
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
        // Taken before any file is read: what the watcher sees from now on stays pending.
        let ticket = await keeper.checkTicket()
        let manifest: Manifest
        switch await manifests.manifest(for: model, config: await keeper.config) {
        case .success(let found):
            manifest = found
        case .failure(let problem):
            await keeper.manifestUnavailable(for: model.id, problem: problem.message, anythingStored: manifests.anythingStored(model))
            guard problem.kind == .transient else {
                logger.warning("\(model.id): no manifest: \(problem)", metadata: ["model": "\(model.id)"])
                return
            }
            let config = await keeper.config.downloads
            let attempt = attempts.failed(model.id)
            let delay = Backoff(initial: config.backoffInitial, maximum: config.backoffMax)
                .delay(attempt: attempt, jitter: Double.random(in: 0...1))
            logger.warning("\(model.id): no manifest (try \(attempt)), asking again in \(delay): \(problem)", metadata: ["model": "\(model.id)"])
            queue.enqueue(.init(model: model.id, scope: .wholeModel(deep: deep), source: source), after: delay.duration)
            return
        }
        attempts.succeeded(model.id)
        await keeper.adopt(manifest, for: model.id)
        await keeper.beginVerification(of: model.id, files: manifest.files.count)
        var methods: [VerifyMethod: Int] = [:]
        let begun = ContinuousClock.now
        var bytesRead: Int64 = 0
        let unchanged = deep ? [] : await verifier.unchanged(manifest.files, of: manifest)
        if !unchanged.isEmpty {
            await keeper.recordUnchanged(unchanged, of: model.id, checkBegan: ticket)
            methods[.stat] = unchanged.count
        }
        let settled = Set(unchanged.map(\.path))
        for file in manifest.files where !settled.contains(file.path) {
            if Task.isCancelled { return }
            let began = await keeper.checkTicket()
            let condition = await verifier.check(file, of: manifest, depth: deep ? .everything : .changed)
            if case .verified(let method) = condition {
                methods[method, default: 0] += 1
                if method != .stat { bytesRead += file.size }
            }
            await keeper.record(condition, for: file, of: model.id, source: source, checkBegan: began)
        }
        await keeper.finishVerification(of: model.id, method: methods.max { $0.value < $1.value }?.key ?? .stat, ticket: ticket)
        // Only a verification that read bytes says anything about verify speed.
        if bytesRead > 0 {
            do {
                try await ledger.record(WorkRecord(model: model.id, kind: .verify, bytes: bytesRead, seconds: (ContinuousClock.now - begun).inSeconds))
            } catch {
                logger.warning("\(model.id): the verification's figures could not be recorded: \(error)", metadata: ["model": "\(model.id)"])
            }
        }
        await linker.pointIfVerified(model, commit: manifest.commit)
    }

    /// Re-checks only the files named (a change the watcher saw).
    private func verify(_ paths: Set<String>, of model: CatalogModel, source: IntegritySource) async {
        guard let manifest = await keeper.manifests().first(where: { $0.model == model.id })?.manifest else {
            return await verifyWhole(model, deep: false, source: source)
        }
        let ticket = await keeper.checkTicket()
        for file in manifest.files where paths.contains(file.path) {
            let began = await keeper.checkTicket()
            let condition = await verifier.check(file, of: manifest, depth: .changed)
            await keeper.record(condition, for: file, of: model.id, source: source, checkBegan: began)
        }
        await keeper.settle(paths, of: model.id, ticket: ticket)
        await linker.pointIfVerified(model, commit: manifest.commit)
    }
}

/// Consecutive failed manifest fetches per model.
final class ManifestAttempts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts a failure; returns how many in a row.
    func failed(_ model: String) -> Int {
        counts.withLock { counts in
            counts[model, default: 0] += 1
            return counts[model, default: 1]
        }
    }

    func succeeded(_ model: String) { counts.withLock { _ = $0.removeValue(forKey: model) } }
}
