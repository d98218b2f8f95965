import Foundation
import Glibc
import Logging
import ModeldCore
import ModeldLinux
import ServiceLifecycle

/// `[metrics] textfile`: the exposition for node_exporter's textfile collector, written
/// whole or not at all (`AtomicFile`: node_exporter never reads half a file) every
/// `textfile_interval` and once more at stop, so the file's last word is the daemon's
/// last. Follows reloads at the next write: a new interval, a new path (the file at the
/// old one is removed, or node_exporter would serve it stale for ever), or off.
struct MetricsTextfileWriter: Service {
    let keeper: Keeper
    let exposition: MetricsExposition
    /// AtomicFile syncs: never on the cooperative pool.
    let io: BlockingPool
    let logger: Logger

    /// The path last written, and the last failure (logged once until it changes).
    private struct Progress: Sendable {
        var written: String?
        var problem: String?
    }

    func run() async throws {
        var progress = await cancelWhenGracefulShutdown {
            var progress = Progress()
            while !Task.isCancelled {
                let settings = await keeper.config.metrics
                await write(settings.textfile, &progress)
                try? await Task.sleep(for: settings.textfileInterval.duration)
            }
            return progress
        }
        await write(await keeper.config.metrics.textfile, &progress)
    }

    /// Writes the file at `path` ("": none), removing the one last written elsewhere. A
    /// failure is logged when it is new, and its end when the file is written again.
    private func write(_ path: String, _ progress: inout Progress) async {
        if let old = progress.written, old != path {
            if unlink(old) != 0 && errno != ENOENT {
                logger.warning("the old metrics textfile stays: \(SystemError("unlink(\(old))", errno: errno))")
            }
            progress.written = nil
        }
        guard !path.isEmpty else { return }
        let data = Data(await exposition.text().utf8)
        switch await io.outcome(of: { () throws(SystemError) in try AtomicFile.write(data, to: path) }) {
        case .success:
            if progress.problem != nil { logger.notice("the metrics textfile is written again", metadata: ["path": "\(path)"]) }
            progress = Progress(written: path, problem: nil)
        case .failure(let error):
            if progress.problem != "\(error)" {
                logger.warning(
                    "cannot write the metrics textfile: \(error); give the daemon's user write access to its folder (and ReadWritePaths= under systemd) or set [metrics] textfile = \"\"",
                    metadata: ["path": "\(path)"])
            }
            progress.problem = "\(error)"
        }
    }
}
