import Foundation
import ModeldCore
import ModeldProtocol

/// What the exposition shows besides the counters `ControlMetrics` keeps: read from the
/// Keeper and the monitors at the moment of asking (`MetricsExposition`).
struct MetricsFacts: Sendable {
    /// Every catalog model's state.
    var states: [String: ModelState] = [:]
    /// Per model not pinned to a commit: whether a new revision is offered.
    var updatesAvailable: [String: Bool] = [:]
    /// Per catalog model: updates that failed before their switch, since start.
    var updateFailures: [String: Int] = [:]
    /// Per model: its figures degraded now (`health.degraded`).
    var degraded: [String: Int] = [:]
    /// One per filesystem of the store, the links and the ledger.
    var disk: [DiskReport] = []
    /// When this daemon process started: a change of it is a restart.
    var started = Date()
}
