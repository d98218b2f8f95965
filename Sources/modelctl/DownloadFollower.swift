import ModeldCore
import ModeldProtocol

/// What `pull` and `repair` make of the events about the model they follow: lines to
/// print, the progress to show, and when to stop. Pure: the connection and the display
/// are elsewhere.
struct DownloadFollower {
    enum Kind: String {
        case pull = "download"
        case repair
    }

    /// How following ends.
    enum End: Equatable {
        /// Exit 0, with this line on stdout.
        case success(String)
        /// Exit 1, with this message on stderr.
        case failure(String)
        /// The event stream is gone (the daemon dropped a subscriber that fell behind): exit 69.
        case lost(String)
    }

    struct Step: Equatable {
        var lines: [String] = []
        var progress: DownloadProgress?
        var end: End?
        /// The model came to rest in a state that may or may not mean its download stopped
        /// (a cancel leaves it missing; a verification between two fetches may not): the
        /// caller asks `status` whether a download is still there, and ends with this if not.
        var endUnlessStillQueued: End?
    }

    let model: String
    let kind: Kind

    func step(_ received: ClientEvent) -> Step {
        guard let event = received.event else { return Step() }
        if case .lagged(let dropped) = event.payload {
            return Step(end: .lost(
                "modelctl: fell behind the daemon's events (\(dropped) dropped) and was disconnected; the \(kind.rawValue) goes on, "
                    + "`modelctl status \(model)` shows it"))
        }
        guard event.model == model else { return Step() }
        switch event.payload {
        case .downloadProgress(_, let done, let total, let speed, let eta):
            return Step(progress: DownloadProgress(model: model, bytesDone: done, bytesTotal: total, bytesPerSecond: speed, etaSeconds: eta))
        case .downloadRetry(_, let file, let attempt, let max, let delay, let error):
            return Step(lines: [ProgressText.retry(file: file, attempt: attempt, max: max, delaySeconds: delay, error: error)])
        case .downloadDone:
            // A repair ends when the model is verified again, not when its bytes are in.
            return kind == .pull ? Step(end: .success("\(model): download complete")) : Step()
        case .downloadFailed(_, let error):
            let hint = error.hint.map { "\nhint: \($0)" } ?? ""
            return Step(end: .failure("\(model): \(kind.rawValue) failed: \(error.message) (\(error.code.rawValue))\(hint)"))
        case .repairDone(_, let file, let fetched):
            return Step(lines: ["repaired \(file) (\(ByteSize.format(fetched)) fetched)"])
        case .modelState(_, let from, let to, let reason):
            let because = reason.isEmpty ? "" : " (\(reason))"
            switch to {
            case .available:
                return Step(end: .success("\(model) is available: every file verified"))
            case .paused:
                // The daemon's reasons: "paused" (asked for), "paused for M, goes on after
                // it" (a critical download), "paused: <error>" (a full disk).
                if reason.hasPrefix("paused for ") {
                    return Step(lines: ["\(model): \(reason)"])
                }
                if reason.hasPrefix("paused: ") {
                    return Step(end: .failure(
                        "\(model) is \(reason)\nhint: `modelctl status \(model)` shows what to do; then `modelctl resume \(model)`"))
                }
                return Step(end: .success("\(model) is paused; `modelctl resume \(model)` continues it"))
            case .failed:
                return Step(end: .failure("\(model) failed\(because)\nhint: `modelctl status \(model)` shows the last error and what to do"))
            case .missing, .corrupted, .unknown:
                return Step(
                    lines: ["\(model): \(from.rawValue) → \(to.rawValue)\(because)"],
                    endUnlessStillQueued: .failure(
                        "\(model) is no longer queued: it is \(to.rawValue)\(because)\n"
                            + "hint: `modelctl status \(model)` says what to do next"))
            case .verifying, .queued, .downloading, .repairing, .updating:
                return Step(lines: ["\(model): \(from.rawValue) → \(to.rawValue)\(because)"])
            }
        default:
            return Step()
        }
    }
}
