import Synchronization

/// Bytes a transfer has written so far, counted on the engine thread and read by
/// whoever reports progress or journals what is on disk.
public final class ByteCounter: Sendable {
    private let count = Atomic<Int64>(0)

    public init() {}

    public var value: Int64 { count.load(ordering: .acquiring) }

    func add(_ bytes: Int64) { count.add(bytes, ordering: .releasing) }
}
