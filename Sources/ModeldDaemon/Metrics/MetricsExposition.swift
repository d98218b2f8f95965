import Foundation

/// The exposition as the `metrics` command, the HTTP endpoint and the textfile all show
/// it: the one place it is put together. Reads only what is at hand (the Keeper's state,
/// the last disk reading), so no caller waits for statvfs or the hub.
struct MetricsExposition: Sendable {
    let metrics: ControlMetrics
    let keeper: Keeper
    let watch: PerformanceWatch
    let resources: ResourceMonitor
    let started: Date

    func text() async -> String {
        metrics.exposition(MetricsFacts(
            states: await keeper.states(), updatesAvailable: await keeper.updatesAvailable(),
            updateFailures: await keeper.updateFailures(), degraded: await watch.current.mapValues(\.count),
            disk: await resources.current().disk, started: started))
    }
}
