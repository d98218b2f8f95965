/// The download speed shown in status (`speed_bps`) and the ETA derived from it: a moving
/// average over the last `window` seconds of cumulative byte counts. The caller records
/// the running total a few times a second; time is any monotonic clock in seconds.
public struct SpeedMeter: Sendable {
    /// How many samples the window is divided into; samples closer together than
    /// `window / resolution` replace one another, so the buffer stays bounded however
    /// often `record` is called.
    public static let resolution = 32
    /// A hard bound on the buffer, whatever the timing of the calls.
    public static let maximumSamples = 2 * resolution

    private struct Sample: Sendable {
        var time: Double
        var bytes: Int64
    }

    public let window: Double
    private var samples: [Sample] = []

    public init(window: Double = 5) {
        self.window = window > 0 ? window : 5
    }

    /// Samples held now (for tests and diagnostics).
    public var sampleCount: Int { samples.count }


    /// Records the cumulative byte count at `now`. A count that goes down (the transfer
    /// restarted from zero) or a clock that goes back starts the meter over.
    public mutating func record(totalBytes: Int64, now: Double) {
        let sample = Sample(time: now, bytes: totalBytes)
        guard let last = samples.last, totalBytes >= last.bytes, now >= last.time else {
            samples = [sample]
            return
        }
        let spacing = window / Double(Self.resolution)
        if samples.count >= 2, now - samples[samples.count - 2].time < spacing {
            // Too close to the one before: move the newest sample forward instead of adding.
            samples[samples.count - 1] = sample
        } else if now == last.time {
            samples[samples.count - 1] = sample
        } else {
            samples.append(sample)
        }
        // Samples older than the window are dropped (the newest one, at `now`, stays).
        let start = now - window
        if let firstInside = samples.firstIndex(where: { $0.time >= start }), firstInside > 0 {
            samples.removeFirst(firstInside)
        }
        if samples.count > Self.maximumSamples {
            samples.removeFirst(samples.count - Self.maximumSamples)
        }
    }

    /// Bytes per second over the samples taken within the window ending at `now`: 0 with
    /// fewer than two of them or no progress between them, so a stalled transfer reads 0
    /// once the window has passed.
    public func bytesPerSecond(now: Double) -> Int64 {
        let start = now - window
        guard let first = samples.first(where: { $0.time >= start && $0.time <= now }),
            let last = samples.last(where: { $0.time >= start && $0.time <= now }),
            last.time > first.time, last.bytes > first.bytes
        else { return 0 }
        let speed = Double(last.bytes - first.bytes) / (last.time - first.time)
        // A clock that barely moved must not make the conversion trap.
        return Int64(min(speed, 1e18).rounded())
    }

    /// Whole seconds until `remaining` bytes have arrived at the current speed, rounded
    /// up; nil when the speed is 0 (unknown), 0 when nothing remains.
    public func etaSeconds(remaining: Int64, now: Double) -> Int64? {
        guard remaining > 0 else { return 0 }
        let speed = bytesPerSecond(now: now)
        guard speed > 0 else { return nil }
        let (quotient, remainder) = remaining.quotientAndRemainder(dividingBy: speed)
        return remainder == 0 ? quotient : quotient + 1
    }
}
