import Logging
import ModeldCore
import ModeldProtocol
import ServiceLifecycle

/// Carries out what the availability policy lets the daemon start by itself: at start-up,
/// downloads of missing models with `auto_download` and repairs of damaged ones, most
/// urgent first; later, repairs of damage the watcher or the scrub finds.
struct AutoFetcher: Service {
    let keeper: Keeper
    let downloads: Downloader
    let logger: Logger

    func run() async throws {
        // The damage each model was last repaired for: the same damage again right after
        // is one a download cannot fix (the hub's own files disagree), so it is reported,
        // not fetched in a loop.
        var repairedFor: [String: [String]] = [:]
        for await _ in keeper.automaticWakeups.cancelOnGracefulShutdown() {
            for (id, action) in await keeper.takeAutomaticWork() {
                await fetch(id, action, repairedFor: &repairedFor)
                await keeper.automaticWorkHandled(id)
            }
        }
    }

    private func fetch(_ id: String, _ action: AvailabilityPolicy.Action, repairedFor: inout [String: [String]]) async {
        let damage = await damageSignature(of: id)
        if action == .repair, let previous = repairedFor[id], previous == damage {
            logger.warning(
                "\(id): the same damage came back after an automatic repair; not repairing again. modelctl status \(id) shows it, modelctl repair \(id) tries again",
                metadata: ["model": "\(id)"])
            return
        }
        if action == .repair { repairedFor[id] = damage }
        do {
            let queued = try await downloads.pull(id, priority: nil)
            logger.notice(
                "\(id): automatic \(action == .repair ? "repair" : "download") queued (\(queued.files) file\(queued.files == 1 ? "" : "s"))",
                metadata: ["model": "\(id)"])
        } catch {
            logger.warning(
                "\(id): the automatic \(action == .repair ? "repair" : "download") could not start: \(error)",
                metadata: ["model": "\(id)"])
        }
    }

    /// The damaged and missing files with their ranges, as one comparable list.
    private func damageSignature(of id: String) async -> [String] {
        guard let integrity = await keeper.integrity(of: id) else { return [] }
        return integrity.corrupted.map { "\($0.path) \($0.ranges)" } + integrity.missing
    }
}
