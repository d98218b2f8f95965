/// When the daemon fetches on its own, and what it answers a service that asks for a
/// model that is not ready. Pure: the Keeper supplies the facts, the daemon carries out
/// the action.
public enum AvailabilityPolicy {
    /// What the daemon may start by itself.
    public enum Action: Sendable, Equatable {
        /// Download what the model lacks.
        case pull
        /// Fetch the damaged ranges and lost files of a model that was whole.
        case repair
        /// Check now what the watcher saw change, without waiting for the quiet period.
        case recheck
    }

    /// The catalog's and the configuration's say on fetching without being asked.
    public struct Permissions: Sendable, Equatable {
        /// `auto_download`: fetch the model when it is missing.
        public var download: Bool
        /// `[verify] auto_repair`: fetch what was damaged or lost.
        public var repair: Bool

        public init(download: Bool, repair: Bool) {
            self.download = download
            self.repair = repair
        }
    }

    /// What to start when a model's state changes from `from` to `to`. Start-up's first
    /// verdict (from `unknown`/`verifying`) fetches a missing model only with
    /// `auto_download`; files lost by a model that was `available` are a repair. A failed
    /// or paused download is left alone: a person decides.
    public static func automaticAction(from: ModelState, to: ModelState, permissions: Permissions) -> Action? {
        switch to {
        case .corrupted:
            return permissions.repair ? .repair : nil
        case .missing where from == .available:
            return permissions.repair ? .repair : permissions.download ? .pull : nil
        case .missing where from == .unknown || from == .verifying:
            return permissions.download ? .pull : nil
        default:
            return nil
        }
    }

    /// What an `acquire` of a model in `state` starts. The caller's demand counts: a
    /// model with some verified files gets the rest under `auto_repair` too.
    public static func actionOnDemand(
        state: ModelState, hasVerifiedFiles: Bool, changePending: Bool, permissions: Permissions
    ) -> Action? {
        switch state {
        case .available, .verifying: return changePending ? .recheck : nil
        case .missing: return permissions.download || (permissions.repair && hasVerifiedFiles) ? .pull : nil
        case .corrupted: return permissions.repair ? .repair : nil
        default: return nil
        }
    }

    /// Whether the model is on its way to being ready without anyone acting.
    public static func isUnderWay(_ state: ModelState) -> Bool {
        switch state {
        case .queued, .downloading, .repairing, .updating, .verifying: true
        default: false
        }
    }

    /// The command that makes the model usable when nothing is under way.
    public static func remedy(for model: String, state: ModelState) -> String {
        switch state {
        case .corrupted: "modelctl repair \(model)"
        case .paused: "modelctl resume \(model)"
        case .unknown: "modelctl verify \(model)"
        default: "modelctl pull \(model)"
        }
    }
}
