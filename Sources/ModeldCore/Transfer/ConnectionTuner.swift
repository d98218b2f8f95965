/// How many connections one file's download uses, found by trying (issue 17): a CDN caps
/// each connection (huggingface.co's sends one connection a fraction of a fast link), so
/// a file starts with `connections_per_file` and doubles them while the ones added last
/// brought at least half of what each brought before. When they did not (the link, a rate
/// limit or the disk is what is full), it goes back to the count their gain paid for, and
/// stays there. Doubling, as TCP's slow start does, finds 16 from 4 in two steps: a 2 GB
/// file at 25 MB/s a connection is done in seconds, so one connection at a time would be
/// too late. Pure: the transfer loop feeds it the file's throughput once per interval.
public struct ConnectionTuner: Sendable {
    public enum Decision: Sendable, Equatable {
        case grow, shrink, hold
    }

    public let maximum: Int
    public private(set) var target: Int
    /// The throughput before the last growth, and at how many connections.
    private var before: (rate: Double, connections: Int)?
    /// The interval right after a change (or the start) shows the new connections'
    /// first request and redirect, not their rate.
    private var settling = true
    public private(set) var settled = false

    public init(start: Int, maximum: Int) {
        target = max(1, start)
        self.maximum = max(target, maximum)
        settled = self.maximum == target
    }

    /// The file's throughput over the last interval, in bytes per second.
    public mutating func observe(bytesPerSecond rate: Double) -> Decision {
        guard !settled else { return .hold }
        if settling {
            settling = false
            return .hold
        }
        if let before {
            let share = before.rate / Double(before.connections)
            let added = target - before.connections
            let gain = rate - before.rate
            guard share > 0, gain >= share * Double(added) / 2 else {
                // As many of the added ones as the gain paid for, rounded down.
                let paid = share > 0 ? Int((max(0, gain) / share).rounded(.down)) : 0
                target = before.connections + min(paid, added - 1)
                settled = true
                return .shrink
            }
        }
        guard target < maximum else {
            settled = true
            return .hold
        }
        before = (rate, target)
        target = min(maximum, target * 2)
        settling = true
        return .grow
    }
}
