import ModeldCore
import ModeldProtocol

/// What the Keeper knows of a model's download or repair, as the downloader reports it.
struct DownloadRecord: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        case queued, running, paused
        /// Every byte is in: each file is checked once more before the model is handed out.
        case verifying
        /// Retries spent, or an error no retry can fix: `lastError` and `steps` say why.
        case failed
    }

    var phase: Phase
    /// Every file to fetch is a damaged one being patched (state `repairing`).
    var repairing: Bool
    var priority: Priority
    /// The critical model this one was paused for (it goes on by itself afterwards).
    var pausedFor: String?
    var bytesDone: Int64
    var bytesTotal: Int64
    var speed: Int64 = 0
    var eta: Int64?
    var retries = 0
    var lastError: ProtocolError?
    var steps: [String]?
    /// The model's own limit, when it has one.
    var limit: Int64?
    /// huggingface_hub locks another program holds on blobs this download needs.
    var waitingFor: [String] = []

    /// The state it gives the model.
    var state: ModelState {
        switch phase {
        case .queued: .queued
        case .running: repairing ? .repairing : .downloading
        case .paused: .paused
        case .verifying: .verifying
        case .failed: .failed
        }
    }

    var reason: String {
        switch phase {
        case .queued: "queued for download"
        case .running where !waitingFor.isEmpty:
            "waiting for another program (hf, diffusers…) fetching the same files; it holds \(waitingFor.joined(separator: ", "))"
        case .running: repairing ? "fetching the damaged ranges" : "downloading"
        case .paused: lastError.map { "paused: \($0.message)" } ?? pausedFor.map { "paused for \($0), goes on after it" } ?? "paused"
        case .verifying: "every byte is in; checking each file before it is used"
        case .failed: lastError?.message ?? "the download failed"
        }
    }

    var status: DownloadStatus {
        DownloadStatus(
            progress: bytesTotal == 0 ? 1 : min(1, Double(bytesDone) / Double(bytesTotal)), bytesDone: bytesDone,
            bytesTotal: bytesTotal, speedBytesPerSecond: speed, etaSeconds: eta, retries: retries, priority: priority,
            paused: phase == .paused, lastError: lastError, steps: steps, bytesPerSecondLimit: limit,
            waitingFor: waitingFor.isEmpty ? nil : waitingFor)
    }
}
