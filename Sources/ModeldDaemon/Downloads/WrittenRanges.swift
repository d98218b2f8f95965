import ModeldCore
import ModeldLinux
import Synchronization

/// The bytes of one file on disk so far: what was there when the transfer started, the
/// segments finished since, and the segments under way (their counters move on the
/// engine thread). Read by the hasher that follows the download, the journal and the
/// progress report.
final class WrittenRanges: Sendable {
    private struct State {
        var settled: RangeSet
        var live: [Int: (start: Int64, counter: ByteCounter)] = [:]
        var nextKey = 0
        /// Bytes that came over the network, settled segments only.
        var fetched: Int64 = 0
        var wasReset = false
    }

    private let state: Mutex<State>
    /// Beats every ``FileFetcher/journalEvery`` bytes written by any segment: the
    /// journal's cue.
    let pulse = BytePulse(every: FileFetcher.journalEvery)

    init(_ present: RangeSet) {
        state = Mutex(State(settled: present))
    }

    /// A segment starting at `start` begins writing; its counter says how far it got.
    func begin(at start: Int64, counter: ByteCounter) -> Int {
        state.withLock { state in
            let key = state.nextKey
            state.nextKey += 1
            state.live[key] = (start, counter)
            return key
        }
    }

    /// The segment ended having written `count` bytes from its start.
    func end(_ key: Int, written count: Int64) {
        state.withLock { state in
            guard let segment = state.live.removeValue(forKey: key) else { return }
            state.settled.insert(ByteRange(segment.start, segment.start + count))
            state.fetched += count
        }
    }

    /// Forgets which bytes are on disk (the file is written again from the first byte);
    /// `fetched` keeps counting what came over the network.
    func reset() {
        state.withLock { state in
            state.settled = RangeSet()
            state.live = [:]
            state.wasReset = true
        }
    }

    /// Whether the file was written again from the first byte since this began: a digest
    /// that followed the earlier writes does not vouch for it.
    var wasReset: Bool { state.withLock { $0.wasReset } }

    var snapshot: RangeSet {
        state.withLock { state in
            var ranges = state.settled
            for segment in state.live.values {
                ranges.insert(ByteRange(segment.start, segment.start + segment.counter.value))
            }
            return ranges
        }
    }

    /// Bytes that came over the network for this file so far.
    var fetched: Int64 {
        state.withLock { state in state.fetched + state.live.values.reduce(0) { $0 + $1.counter.value } }
    }
}
