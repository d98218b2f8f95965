import Foundation
import ModeldCore
import ModeldProtocol

/// What the Keeper knows of a model's next revision: the last check's answer, the update
/// being staged or the one that failed, and the commits rolled back from.
struct UpdateRecord {
    /// The commit the followed revision named at the last check.
    var latest: String?
    var checked: Date?
    /// The cost of moving to `latest`; nil when it is the current commit.
    var plan: UpdatePlan?
    var fits: Bool?
    /// The newest commit `update.available` was published for: once per commit.
    var announced: String?
    /// Commits a rollback left: not offered again until a newer one appears.
    var rejected: Set<String> = []
    var phase: Phase?
    /// Updates of this model that failed before their switch, since start (metrics).
    var failures = 0

    enum Phase {
        /// `eta` in seconds, from the speed of the last few seconds (`SpeedMeter`).
        case updating(fetched: Int64, total: Int64, speed: Int64, eta: Int64?)
        case failed(ProtocolError)
    }

    /// Whether `latest` is an update to offer.
    var available: Bool {
        guard let plan, let latest else { return false }
        return plan.from != latest && !rejected.contains(latest)
    }

    var status: UpdateStatus {
        var status = UpdateStatus(latest: latest, available: available, checked: checked)
        if available, let plan {
            status.filesChanged = plan.filesChanged.count
            status.bytesToFetch = plan.bytesToFetch
            status.fits = fits
        }
        switch phase {
        case .updating(let fetched, let total, let speed, let eta):
            status.state = "updating"
            status.progress = total > 0 ? min(1, Double(fetched) / Double(total)) : 0
            status.speedBytesPerSecond = speed
            status.etaSeconds = eta
        case .failed(let error):
            status.state = "failed"
            status.error = error
        case nil:
            break
        }
        return status
    }
}
