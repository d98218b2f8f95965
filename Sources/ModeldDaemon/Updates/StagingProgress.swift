import Synchronization

/// The bytes a staged update has fetched: the files done, and the one under way (its
/// counters move on the transfer thread). Read by the status reporter while the staging
/// goes on.
final class StagingProgress: Sendable {
    private let state = Mutex<(done: Int64, current: FileProgress?)>((0, nil))

    func begin(_ file: FileProgress) { state.withLock { $0.current = file } }

    func end(fetched bytes: Int64) {
        state.withLock {
            $0.done += bytes
            $0.current = nil
        }
    }

    var fetched: Int64 { state.withLock { $0.done + ($0.current?.fetched ?? 0) } }
}
