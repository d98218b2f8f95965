import Synchronization

/// Bytes a transfer has written so far, counted on the engine thread and read by
/// whoever reports progress or journals what is on disk.
public final class ByteCounter: Sendable {
    private let count = Atomic<Int64>(0)
    private let pulse: BytePulse?

    /// `pulse`, if given, also counts these bytes (one pulse for all of a file's transfers).
    public init(pulse: BytePulse? = nil) {
        self.pulse = pulse
    }

    public var value: Int64 { count.load(ordering: .acquiring) }

    func add(_ bytes: Int64) {
        count.add(bytes, ordering: .releasing)
        pulse?.add(bytes)
    }
}

/// Beats each time another `every` bytes are counted, so a journal can be written when
/// there is something to journal instead of on a clock. Also beats on ``beat()`` (a
/// timer of the listener's own). The beats are coalesced: a slow listener sees one.
public final class BytePulse: Sendable {
    public let every: Int64
    public let beats: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let total = Atomic<Int64>(0)

    public init(every: Int64) {
        self.every = max(1, every)
        (beats, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func beat() { continuation.yield() }

    /// No more beats: the listener's loop ends.
    public func finish() { continuation.finish() }

    func add(_ bytes: Int64) {
        let now = total.add(bytes, ordering: .relaxed).newValue
        if now / every != (now - bytes) / every { continuation.yield() }
    }
}
