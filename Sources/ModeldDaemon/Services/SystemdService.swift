import Logging
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// Keeps systemd told: `STATUS=` current as models change, `WATCHDOG=1` while the Keeper
/// answers, `STOPPING=1` first thing on shutdown. (`READY=1` is sent when the control
/// socket listens; see `Daemon`.)
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let keeper: Keeper
    let events: EventBus
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await keepStatusCurrent() }
                    if let interval = notifier.watchdogInterval {
                        logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
                        group.addTask { await feedWatchdog(every: interval / 2) }
                    }
                }
            }
        } onGracefulShutdown: {
            send("STOPPING=1")
        }
    }

    /// `WATCHDOG=1` only after the Keeper answered: a stuck Keeper stops the pings and
    /// systemd restarts the daemon, which a bare timer would hide.
    private func feedWatchdog(every period: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: period)
            } catch {
                return
            }
            await keeper.ping()
            send("WATCHDOG=1")
        }
    }

    private func keepStatusCurrent() async {
        // If it ever falls behind the bus cuts it off: subscribe again.
        while !Task.isCancelled {
            let feed = events.subscribe(Subscription(topics: ["model.state", "download.progress"]))
            for await _ in feed.events {
                send("STATUS=\(await keeper.summary())")
            }
            feed.cancel()
        }
    }

    private func send(_ state: String) {
        do {
            try notifier.send(state)
        } catch {
            logger.warning("systemd was not told: \(error)")
        }
    }
}
