import Foundation

/// The words of a "not ready" answer to `acquire`: which strategy, a message that says
/// plainly what the service can expect, and the exact command that fixes it. Pure.
public enum AcquireAdvisor {
    /// What is known of the model asked for when it is not ready.
    public struct Facts: Sendable {
        public var model: String
        public var state: ModelState
        /// Why it is in that state, in a few words ("2 of 12 files missing").
        public var reason: String
        /// What this `acquire` just started, if anything.
        public var started: AvailabilityPolicy.Action?
        public var etaSeconds: Int64?
        /// 1 for the download under way or next.
        public var queuePosition: Int?
        /// The error that stopped the download or kept it from starting.
        public var failure: Failure?
        /// Ranked, best first (FallbackAdvisor).
        public var alternatives: [Alternative]
        /// Set when no model at all is ready: what to install first.
        public var setup: SetupAdvice?
        /// The task the service asked for, for the wording ("serve t2v").
        public var task: String?
        /// Its files are being checked (start-up, or a change the watcher saw): a verdict
        /// is coming.
        public var checking: Bool
        /// An automatic download or repair of it is decided and about to be queued.
        public var fetchComing: Bool
        /// Whether the model asked for fits the GPU memory the job has (nil: unknown), and
        /// what it needs: a model that cannot run here is not the fix to point at.
        public var fits: (fits: Bool, neededGB: Int, haveGB: Int)?

        public init(
            model: String, state: ModelState, reason: String, started: AvailabilityPolicy.Action? = nil,
            etaSeconds: Int64? = nil, queuePosition: Int? = nil, failure: Failure? = nil,
            alternatives: [Alternative] = [], setup: SetupAdvice? = nil, task: String? = nil, checking: Bool = false,
            fetchComing: Bool = false, fits: (fits: Bool, neededGB: Int, haveGB: Int)? = nil
        ) {
            self.model = model
            self.state = state
            self.reason = reason
            self.started = started
            self.etaSeconds = etaSeconds
            self.queuePosition = queuePosition
            self.failure = failure
            self.alternatives = alternatives
            self.setup = setup
            self.task = task
            self.checking = checking
            self.fetchComing = fetchComing
            self.fits = fits
        }
    }

    /// An error, with the hint that says what to do about it.
    public struct Failure: Sendable, Equatable {
        public var message: String
        public var hint: String?
        public init(message: String, hint: String?) {
            self.message = message
            self.hint = hint
        }
    }

    public struct Advice: Sendable, Equatable {
        public var strategy: AcquireStrategy
        public var message: String
        public var hint: String
        /// Whether waiting longer can end in the model being ready without anyone acting.
        public var waitingHelps: Bool
    }

    public static func advice(_ facts: Facts) -> Advice {
        let wait = "modelctl acquire \(facts.model) --wait 3600 returns its path the moment it is ready"
        let underWay = (AvailabilityPolicy.isUnderWay(facts.state) || facts.checking || facts.fetchComing) && facts.failure == nil
        if let started = facts.started, started != .recheck, underWay {
            let what = started == .repair ? "the repair has started" : "the download has started"
            return Advice(
                strategy: .downloadAndRetry, message: "\(facts.model) is not ready (\(facts.reason)); \(what)\(progress(facts))",
                hint: wait, waitingHelps: true)
        }
        if underWay {
            // Damage or loss found, and the fetch decided but not queued yet: say it is coming.
            let coming = facts.fetchComing && !AvailabilityPolicy.isUnderWay(facts.state) ? "; the daemon fetches what it lacks by itself" : ""
            return Advice(
                strategy: .queueAndWait, message: "\(facts.model) is \(facts.state.rawValue) (\(facts.reason))\(coming)\(progress(facts))",
                hint: wait, waitingHelps: true)
        }
        let fix = facts.failure?.hint ?? AvailabilityPolicy.remedy(for: facts.model, state: facts.state)
        let why = facts.failure?.message ?? facts.reason
        let job = facts.task.map { "serve \($0)" } ?? "stand in for it"
        if let alternative = facts.alternatives.first(where: \.ready) {
            return Advice(
                strategy: .alternativeModel,
                message: "\(facts.model) is not ready (\(why)); \(alternative.model) is ready and can \(job): \(alternative.reason)",
                hint: "\(fix) makes \(facts.model) itself usable", waitingHelps: false)
        }
        var message = "\(facts.model) is not ready (\(why)) and no other model that can \(job) is ready: generation can only produce mock output"
        var hint = fix
        if let fits = facts.fits, !fits.fits {
            // Fetching the model asked for would not help on this GPU: point at one that fits.
            message += ". \(facts.model) needs \(fits.neededGB) GB of GPU memory; this GPU has \(fits.haveGB) GB"
            if let alternative = facts.alternatives.first {
                hint = "modelctl pull \(alternative.model) (it fits this GPU and can \(job))"
            }
        }
        if let setup = facts.setup {
            message += ". " + setup.message
            if let command = setup.command, setup.model != facts.model, !hint.hasPrefix(command) {
                hint += "; or, for a model that fits this GPU: \(command)"
            }
        }
        return Advice(strategy: .mockGeneration, message: message, hint: hint, waitingHelps: false)
    }

    /// "; 35% done, about 4 min left, 2nd in the download queue", as far as known.
    private static func progress(_ facts: Facts) -> String {
        var parts: [String] = []
        if let eta = facts.etaSeconds { parts.append("about \(TimeSpan.describe(seconds: eta)) left") }
        if let position = facts.queuePosition, position > 1 { parts.append("number \(position) in the download queue") }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
    }
}
