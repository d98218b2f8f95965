import Foundation

/// One model's download or repair in the ``DownloadQueue``: its place, whether it is
/// paused or failed, the files not started yet, and how its bytes add up.
public struct QueuedJob<Failure: Error & Sendable & Equatable>: Sendable {
    public var model: CatalogModel
    public var manifest: Manifest
    public var priority: Priority
    /// Orders models of the same priority: first pulled, first served. The queue sets it.
    public var position: Int64 = 0
    public var paused = false
    /// The critical model this one was paused for; it goes on when no critical work is left.
    public var pausedFor: String?
    /// Why the download failed (retries spent, or nothing a retry can fix).
    public var failure: Failure?
    /// Why it paused on its own (the disk is full).
    public var pauseError: Failure?
    /// Files whose transfer is not under way for it: in manifest order, a stopped one back
    /// at the front.
    public var pending: [ManifestFile]
    /// Bytes each file is expected to move over the network (by path).
    public var planned: [String: Int64]
    /// Planned bytes of the files done.
    public var bytesFinished: Int64 = 0
    /// Bytes of pending files that a stopped transfer wrote (journaled, kept for the
    /// resume), by path: done, though the files are not.
    public var kept: [String: Int64] = [:]
    /// Bytes that came over the network for the files done.
    public var fetchedFinished: Int64 = 0
    public var retries = 0
    /// Every file is a damaged one to patch (state `repairing`).
    public var repairing: Bool
    /// When it was queued: `usage`'s download time runs from here to verified.
    public var queuedAt = Date()
    public var meter = SpeedMeter()

    public init(model: CatalogModel, manifest: Manifest, priority: Priority, pending: [ManifestFile], planned: [String: Int64], repairing: Bool) {
        self.model = model
        self.manifest = manifest
        self.priority = priority
        self.pending = pending
        self.planned = planned
        self.repairing = repairing
    }

    public var id: String { model.id }

    public var bytesTotal: Int64 { planned.values.reduce(0, +) }

    /// Bytes `file` is expected to move for this model.
    public func planned(_ file: ManifestFile) -> Int64 { planned[file.path] ?? file.size }

    /// Bytes `file` still has to move: planned, less what a stopped transfer kept.
    public func remaining(_ file: ManifestFile) -> Int64 { planned(file) - (kept[file.path] ?? 0) }

    /// Bytes done that no transfer under way moves: the files done and what stopped
    /// transfers kept. A transfer's live progress comes on top.
    public var bytesSettled: Int64 { bytesFinished + bytesKept }

    public var bytesKept: Int64 { kept.values.reduce(0, +) }

    /// Whether the scheduler may start (or join) transfers for it.
    public var isRunnable: Bool { !paused && failure == nil && !pending.isEmpty }

    /// Serving order: the most urgent priority, then the earliest pull.
    public static func servedBefore(_ a: Self, _ b: Self) -> Bool { (a.priority, a.position, a.id) < (b.priority, b.position, b.id) }
}
