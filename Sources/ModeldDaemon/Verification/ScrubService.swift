import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// The deep scrub (STORE.md): every file not read for `scrub_every` is read again, one at
/// a time, on a thread at idle I/O and CPU priority — bit rot and writes through mmap
/// change no stat field and raise no inotify event. The ledger's `verified_at` says what
/// was read when, so a restart resumes where the scrub stopped.
struct ScrubService: Service {
    let keeper: Keeper
    let ledger: Ledger
    /// A verifier on the scrub's own background pool.
    let verifier: FileVerifier
    let period: TimeSpan
    let logger: Logger

    /// How often to look for due files: often enough for short periods, hourly at most.
    var wakeInterval: Duration { min(max(period.duration / 2, .seconds(1)), .seconds(3600)) }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: wakeInterval)
                await scrubDueFiles()
            }
        }
    }

    private func scrubDueFiles() async {
        let cutoff = Date(timeIntervalSinceNow: -period.seconds)
        for (id, manifest) in await keeper.manifests() {
            guard let model = try? await keeper.catalogModel(id) else { continue }
            for file in manifest.files where !Task.isCancelled {
                // Only files once found good: the rest are the verifier's and the repairer's.
                let blob = verifier.store.layout.blob(model.repo, file.digest)
                guard let record = try? await ledger.verifiedBlob(at: blob), record.verifiedAt < cutoff else { continue }
                let began = await keeper.checkTicket()
                let condition = await verifier.check(file, of: manifest, depth: .good)
                await keeper.record(condition, for: file, of: id, source: .scrub, checkBegan: began)
            }
        }
    }
}
