import ModeldCore
import ModeldProtocol

/// One model's download or repair in the queue: the files still to fetch, how the bytes
/// add up, and what went wrong.
struct DownloadJob: Sendable {
    var model: CatalogModel
    var manifest: Manifest
    var priority: Priority
    /// Orders models of the same priority: first pulled, first served.
    var position: Int64
    /// Tells this download's file tasks from those of an earlier, cancelled or failed one.
    var generation: Int
    var paused = false
    /// The critical model this one was paused for; it goes on when no critical work is left.
    var pausedFor: String?
    /// Why the download failed (retries spent, or nothing a retry can fix).
    var failure: ProtocolError?
    /// Why it paused on its own (the disk is full).
    var pauseError: ProtocolError?
    /// Files waiting for a slot: in manifest order, a stopped one back at the front.
    var pending: [ManifestFile]
    /// Bytes each file is expected to move over the network.
    var planned: [String: Int64]
    /// Planned bytes of the files done.
    var bytesFinished: Int64 = 0
    /// Bytes that came over the network for the files done.
    var fetchedFinished: Int64 = 0
    var retries = 0
    /// Every file is a damaged one to patch.
    var repairing: Bool
    var meter = SpeedMeter()

    var bytesTotal: Int64 { planned.values.reduce(0, +) }

    /// Whether the scheduler may start its files.
    var isRunnable: Bool { !paused && failure == nil && !pending.isEmpty }

    /// Serving order: the most urgent priority, then the earliest pull.
    static func servedBefore(_ a: DownloadJob, _ b: DownloadJob) -> Bool {
        (a.priority, a.position) < (b.priority, b.position)
    }
}
