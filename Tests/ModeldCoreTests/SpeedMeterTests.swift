import ModeldCore
import Testing

@Suite struct SpeedMeterTests {
    /// Records a transfer at `rate` bytes per second every `step` seconds over `[from, to]`.
    private func feed(_ meter: inout SpeedMeter, rate: Int64, from: Double, to: Double, step: Double = 0.25, base: Int64 = 0) {
        var now = from
        while now <= to + 1e-9 {
            meter.record(totalBytes: base + Int64((now - from) * Double(rate)), now: now)
            now += step
        }
    }

    @Test func aSteadyRateIsMeasured() {
        var meter = SpeedMeter()
        #expect(meter.bytesPerSecond(now: 0) == 0)
        meter.record(totalBytes: 0, now: 0)
        #expect(meter.bytesPerSecond(now: 0) == 0, "one sample is no speed")
        feed(&meter, rate: 1_000_000, from: 0, to: 20)
        #expect(abs(meter.bytesPerSecond(now: 20) - 1_000_000) <= 1)
    }

    @Test func aStalledTransferFallsToZeroAfterTheWindow() {
        var meter = SpeedMeter(window: 5)
        feed(&meter, rate: 1_000_000, from: 0, to: 10)
        // Still reported, the same total: no progress.
        feed(&meter, rate: 0, from: 10.25, to: 16, base: 10_000_000)
        #expect(meter.bytesPerSecond(now: 16) == 0)

        // No more reports at all: the last samples age out of the window.
        var silent = SpeedMeter(window: 5)
        feed(&silent, rate: 1_000_000, from: 0, to: 10)
        #expect(silent.bytesPerSecond(now: 12) > 0)
        #expect(silent.bytesPerSecond(now: 15.5) == 0)
    }

    @Test func aStallLowersTheSpeedWhileInTheWindow() {
        var meter = SpeedMeter(window: 5)
        feed(&meter, rate: 1_000_000, from: 0, to: 10)
        feed(&meter, rate: 0, from: 10.25, to: 12.5, base: 10_000_000)
        let speed = meter.bytesPerSecond(now: 12.5)
        #expect(speed > 0 && speed < 1_000_000)
    }

    @Test func aCountThatGoesDownResetsTheMeter() {
        var meter = SpeedMeter()
        feed(&meter, rate: 50_000_000, from: 0, to: 10)
        meter.record(totalBytes: 0, now: 10.25)
        #expect(meter.sampleCount == 1)
        #expect(meter.bytesPerSecond(now: 10.25) == 0)
        feed(&meter, rate: 1_000_000, from: 10.25, to: 13.25)
        #expect(abs(meter.bytesPerSecond(now: 13.25) - 1_000_000) <= 1, "only the new transfer counts")
    }

    @Test func etaIsRoundedUp() {
        var meter = SpeedMeter()
        #expect(meter.etaSeconds(remaining: 1000, now: 0) == nil, "no speed, no ETA")
        feed(&meter, rate: 1_000_000, from: 0, to: 5)
        #expect(meter.etaSeconds(remaining: 2_000_000, now: 5) == 2)
        #expect(meter.etaSeconds(remaining: 2_000_001, now: 5) == 3)
        #expect(meter.etaSeconds(remaining: 1, now: 5) == 1)
        #expect(meter.etaSeconds(remaining: 0, now: 5) == 0)
        #expect(meter.etaSeconds(remaining: 1000, now: 60) == nil, "stalled: unknown")
    }

    @Test func theSampleBufferStaysBounded() {
        var meter = SpeedMeter(window: 5)
        feed(&meter, rate: 1_000_000, from: 0, to: 60, step: 0.001)
        #expect(meter.sampleCount <= SpeedMeter.resolution + 2)
        #expect(abs(meter.bytesPerSecond(now: 60) - 1_000_000) <= 1_000)

        var slow = SpeedMeter(window: 5)
        feed(&slow, rate: 1_000_000, from: 0, to: 600, step: 1)
        #expect(slow.sampleCount <= 6, "samples older than the window are dropped")
    }
}
