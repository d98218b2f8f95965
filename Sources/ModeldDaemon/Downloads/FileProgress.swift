import Synchronization

/// How far one file's fetch is, for the downloader's progress report: the bytes its
/// transfer has written, once the transfer started.
final class FileProgress: Sendable {
    /// The bytes this fetch is expected to move over the network (for the model's total).
    let planned: Int64
    private let ranges = Mutex<WrittenRanges?>(nil)
    private let lockWaited = Mutex<String?>(nil)

    init(planned: Int64) { self.planned = planned }

    func attach(_ written: WrittenRanges) { ranges.withLock { $0 = written } }

    /// The huggingface_hub lock this fetch waits for (another program holds it), or nil.
    func waitingForLock(_ path: String?) { lockWaited.withLock { $0 = path } }
    var waitingFor: String? { lockWaited.withLock { $0 } }

    /// Bytes fetched so far, never more than planned (a re-fetch after a digest mismatch
    /// does not push the model past 100 %).
    var fetched: Int64 { min(planned, ranges.withLock { $0?.fetched } ?? 0) }
}
