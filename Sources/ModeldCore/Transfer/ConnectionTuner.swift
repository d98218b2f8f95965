/// How many connections one file's download uses, found by trying (issue 17): a CDN caps
/// each connection (huggingface.co's sends one connection a fraction of a fast link), so
/// a file starts with `connections_per_file` and takes one more while the last one added
/// brought at least half of what each brought before; when it did not (the link, a rate
/// limit or the disk is what is full), the last one goes again and the count stays.
/// Pure: the transfer loop feeds it the file's throughput once per interval.
public struct ConnectionTuner: Sendable {
    public enum Decision: Sendable, Equatable {
        case grow, shrink, hold
    }

    public let maximum: Int
    public private(set) var target: Int
    /// The throughput before the last connection was added, and at how many connections.
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
            guard rate - before.rate >= share / 2 else {
                target -= 1
                settled = true
                return .shrink
            }
        }
        guard target < maximum else {
            settled = true
            return .hold
        }
        before = (rate, target)
        target += 1
        settling = true
        return .grow
    }
}
