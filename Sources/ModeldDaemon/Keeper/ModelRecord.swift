import Foundation
import ModeldCore

/// What the Keeper knows of one model beyond its catalog entry.
struct ModelRecord {
    /// The files and what is known of each, once a manifest is known.
    var integrity: ModelIntegrity?
    /// Why there is no manifest, when there is none.
    var manifestProblem: String?
    /// Whether any of the model's files are in the store (decides missing vs unknown
    /// when no manifest can be had).
    var anythingStored = false
    /// Files checked so far in the verification under way.
    var verifying: (done: Int, total: Int)?
    var lastVerified: Date?
    var lastMethod: VerifyMethod?
    /// The commit `<links_dir>/<model>` points at, once pointed: a model is available only
    /// when the path it is given by leads to its verified files.
    var linkedCommit: String?
    /// The download or repair queued, running, paused or failed, if any.
    var download: DownloadRecord?
    /// Changes seen by the watcher and not checked yet.
    var pendingChecks = PendingChecks()
    /// When a download or adoption last put each file in place (`Keeper.published`), as
    /// a stamp of `Keeper.checkTicket()`: verdicts of checks begun before are stale.
    var publishedAt: [String: UInt64] = [:]
    /// A pull of it is being planned: the plan may have read its files' conditions before
    /// a check now under way ends, so that check's news counts as during its download.
    var downloadBeingPlanned = false
    /// The watcher saw someone else change the model's files while a download of it was
    /// planned or ran: damage its end finds is theirs, not the download's, and
    /// `auto_repair` may act on it.
    var changedOutsideDuringDownload = false
    /// Its files are being removed (`evict`).
    var evicting = false
    /// Its next revision, as the last check found it.
    var update = UpdateRecord()

    /// A download of it is planned or under way.
    var hasDownload: Bool { download != nil || downloadBeingPlanned }

    /// Whether its files are being checked (or were never checked): a download waits, so a
    /// late verdict cannot undo what it just wrote.
    var isBeingChecked: Bool { verifying != nil || (integrity == nil && manifestProblem == nil) }

    /// The state, derived — never stored, so it cannot disagree with the facts. A check
    /// of files already known does not make a ready model look unready: only files never
    /// looked at make it `verifying`.
    var state: ModelState {
        if let download { return download.state }
        if evicting { return .missing }
        if let integrity {
            let state = integrity.state
            return state == .available && linkedCommit != integrity.manifest.commit ? .verifying : state
        }
        if manifestProblem != nil { return anythingStored ? .unknown : .missing }
        return .unknown
    }

    var reason: String {
        if let download { return download.reason }
        if evicting { return "its files are being removed (evict)" }
        if let integrity {
            if state == .verifying && integrity.state == .available { return "verified; pointing its path at the snapshot" }
            // A verdict before the check has looked at every file: say so, or "1 of 5 files
            // missing" reads as a count that the check's end then contradicts.
            if let verifying, state != .verifying, verifying.done < verifying.total {
                return "\(integrity.reason) so far (\(verifying.done) of \(verifying.total) files checked)"
            }
            return integrity.reason
        }
        if let verifying { return "verifying: \(verifying.done) of \(verifying.total) files checked" }
        if let manifestProblem { return (anythingStored ? "cannot be checked: " : "not downloaded; ") + manifestProblem }
        return "not checked yet"
    }
}
