import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration, as `systemctl reload modeld` sends it.
struct ReloadService: Service {
    /// Made before the daemon reports ready, so an early SIGHUP is never fatal.
    let hangups: UnixSignalsSequence
    let reloader: ConfigReloader

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await reloader.reload()
        }
    }
}
