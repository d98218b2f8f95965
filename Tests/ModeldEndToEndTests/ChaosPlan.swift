import ModeldTestSupport

/// What the chaos test does to one pull, every choice drawn from one seed: hub faults,
/// a full disk, a `kill -9` and a reload while the model downloads, each at a moment
/// given as a fraction of its bytes downloaded; then damage and a removal in the store.
///
/// The damage and the removal strike once the model is available and whole. Damage done
/// while it downloads was left to a person when this test was written (found by it); it
/// is repaired by itself now, and `DownloadTests.damageDoneDuringADownloadIsRepairedByItself`
/// is the test of that.
struct ChaosPlan: CustomStringConvertible {
    /// One disturbance, and when it strikes.
    struct Moment {
        /// Of the model's bytes downloaded: 0 is before the pull, 1 once it is available.
        let fraction: Double
        let step: ChaosStep
    }

    let seed: UInt64
    /// In the order they strike.
    let moments: [Moment]

    /// The daemon's `max_retries` (the default): a piece that meets this many faults in a
    /// row that deliver nothing fails the model, so the plan never holds more of them.
    static let retries = 3

    /// `smallFiles` are those cheap enough to fetch again whole: only they meet the
    /// faults that cost a whole file (wrong bytes, a wrong range) and lose their blob, so
    /// the bytes sent stay within the bound the test checks.
    init(seed: UInt64, smallFiles: [String]) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        var moments: [Moment] = []
        var faultsDeliveringNothing = 0

        // Faults of a file's answers strike its first requests, since a small file is
        // done soon after its first byte.
        for _ in 0..<Int.random(in: 2...3, using: &random) {
            let fault = Self.fileFault(&random, deliveringNothingAllowed: faultsDeliveringNothing < Self.retries)
            if Self.deliversNothing(fault) { faultsDeliveringNothing += 1 }
            moments.append(Moment(fraction: 0, step: .hubFault(fault, file: smallFiles.randomElement(using: &random)!)))
        }
        // Connection faults strike whichever download asks next, at random moments.
        for _ in 0..<Int.random(in: 3...5, using: &random) {
            let fault = Self.connectionFault(&random, deliveringNothingAllowed: faultsDeliveringNothing < Self.retries)
            if Self.deliversNothing(fault) { faultsDeliveringNothing += 1 }
            moments.append(Moment(fraction: .random(in: 0.02..<0.85, using: &random), step: .hubFault(fault, file: nil)))
        }
        moments.append(Moment(
            fraction: .random(in: 0.1..<0.7, using: &random), step: .fullDisk(resumeWithPull: .random(using: &random))))
        moments.append(Moment(fraction: .random(in: 0.15..<0.8, using: &random), step: .killAndRestart))
        moments.append(Moment(
            fraction: .random(in: 0.05..<0.9, using: &random),
            // Above what the paced hub sends: a limit in force, yet no bytes held back in
            // the sockets' buffers.
            step: .reload(bySignal: .random(using: &random), bytesPerSecond: .random(in: 40...80, using: &random) * 1_000_000)))
        let afterThePull: [ChaosStep] = [.flipByte(pick: random.next()), .remove(blob: .random(using: &random), among: smallFiles, pick: random.next())]
        self.moments = moments.enumerated().sorted { ($0.element.fraction, $0.offset) < ($1.element.fraction, $1.offset) }.map(\.element)
            + afterThePull.shuffled(using: &random).map { Moment(fraction: 1, step: $0) }
    }

    private static func fileFault(_ random: inout SplitMix64, deliveringNothingAllowed: Bool) -> HubFault {
        let faults: [HubFault] = [
            .wrongBytes, .ignoreRange,
            .shiftedRange(by: .random(in: 1...4096, using: &random)), .longerBody(bytes: .random(in: 1...4096, using: &random)),
        ]
        return faults.filter { deliveringNothingAllowed || !deliversNothing($0) }.randomElement(using: &random)!
    }

    private static func connectionFault(_ random: inout SplitMix64, deliveringNothingAllowed: Bool) -> HubFault {
        let faults: [HubFault] = [
            .resetAfter(bytes: .random(in: (64 << 10)...(4 << 20), using: &random)),
            // Longer than the test daemon's `stall_timeout` (2 s): the daemon gives up on it.
            .stall(afterBytes: .random(in: (64 << 10)...(2 << 20), using: &random), for: .seconds(3)),
            .status(503, retryAfter: 1), .disconnect,
        ]
        return faults.filter { deliveringNothingAllowed || !deliversNothing($0) }.randomElement(using: &random)!
    }

    /// A fault after which the piece has no new byte: it counts towards `retries`.
    private static func deliversNothing(_ fault: HubFault) -> Bool {
        switch fault {
        case .status, .disconnect, .shiftedRange, .longerBody: true
        default: false
        }
    }

    var description: String {
        (["chaos seed \(seed) (replay: MODELD_CHAOS_SEED=\(seed))"]
            + moments.map { "  \($0.fraction < 1 ? "at \(Int(($0.fraction * 100).rounded())) %" : "once available"): \($0.step)" })
            .joined(separator: "\n")
    }
}

/// One thing the chaos test does to the daemon, its hub or its store.
enum ChaosStep: CustomStringConvertible {
    /// A fault for the next download of `file`, or of any LFS file (the CDN) when nil.
    case hubFault(HubFault, file: String?)
    /// Fills the store's filesystem until the download pauses (or ends: every file it
    /// still needs may have had its room already), frees it, and resumes.
    case fullDisk(resumeWithPull: Bool)
    case killAndRestart
    /// Flips a byte of a blob already in the store; `pick` chooses which and where.
    case flipByte(pick: UInt64)
    /// Removes a snapshot link, or with `blob` the blob of one of `among`.
    case remove(blob: Bool, among: [String], pick: UInt64)
    /// Changes the rate limit in a drop-in and reloads, by SIGHUP or the `reload` command.
    case reload(bySignal: Bool, bytesPerSecond: Int)

    var description: String {
        switch self {
        case .hubFault(let fault, let file): "\(fault) for the next download of \(file ?? "any LFS file")"
        case .fullDisk(let pull): "a full disk, then \(pull ? "pull" : "resume")"
        case .killAndRestart: "kill -9 and restart"
        case .flipByte: "flip a byte of a blob"
        case .remove(let blob, _, _): blob ? "remove the blob of a small file" : "remove a snapshot link"
        case .reload(let signal, let rate): "bytes_per_s = \(rate), then \(signal ? "SIGHUP" : "the reload command")"
        }
    }
}
