import ModeldCore
import Testing

@Suite struct TokenBucketTests {
    let kib: Int64 = 1 << 10
    let mib: Int64 = 1 << 20

    private func close(_ a: Double, _ b: Double, within tolerance: Double = 1e-6) -> Bool { abs(a - b) <= tolerance }

    /// A taker that obeys the bucket: 16 KiB arrive whenever it says no wait is due,
    /// otherwise time moves on by the wait. Returns the bytes taken in `[0, seconds)`.
    private func simulate(rate: Int64, seconds: Double) -> Int64 {
        var bucket = TokenBucket(bytesPerSecond: rate, now: 0)
        var now = 0.0
        var taken: Int64 = 0
        var steps = 0
        while now < seconds, steps < 10_000_000 {
            steps += 1
            let wait = bucket.waitSeconds(now: now)
            if wait > 0 {
                now += wait
                continue
            }
            bucket.take(16 * kib, now: now)
            taken += 16 * kib
        }
        return taken
    }

    @Test func unlimitedNeverWaits() {
        var bucket = TokenBucket(bytesPerSecond: 0, now: 0)
        #expect(bucket.isUnlimited)
        for second in 0..<100 { bucket.take(1 << 40, now: Double(second)) }
        #expect(bucket.waitSeconds(now: 100) == 0)

        var limited = TokenBucket(bytesPerSecond: mib, now: 0)
        limited.take(100 * mib, now: 0)
        #expect(limited.waitSeconds(now: 0) > 0)
        limited.setRate(0, now: 0)
        #expect(limited.waitSeconds(now: 0) == 0, "lifting the limit forgives the debt")
    }

    @Test(arguments: [20_000_000, 2 << 20, 1_000_000] as [Int64])
    func anObedientTakerStaysAtTheRate(rate: Int64) {
        let seconds = 10.0
        let taken = Double(simulate(rate: rate, seconds: seconds))
        let expected = Double(rate) * seconds
        #expect(abs(taken - expected) <= 0.02 * expected, "took \(taken) bytes, expected about \(expected)")
    }

    @Test func settingALimitAfterUnlimitedStartsWithAtMostOneBurst() {
        var bucket = TokenBucket(bytesPerSecond: 0, now: 0)
        for second in 0..<60 { bucket.take(100 * mib, now: Double(second)) }
        bucket.setRate(mib, now: 60)
        #expect(bucket.bytesPerSecond == mib)
        bucket.take(bucket.capacity, now: 60)
        #expect(bucket.waitSeconds(now: 60) == 0, "one burst of capacity is allowed")
        bucket.take(mib, now: 60)
        #expect(close(bucket.waitSeconds(now: 60), 1.0), "nothing saved beyond the burst")
    }

    @Test func raisingTheRateReleasesNoSavedTokens() {
        var bucket = TokenBucket(bytesPerSecond: mib, now: 0)
        bucket.setRate(100 * mib, now: 1000)  // idle for 1000 s at the old rate
        bucket.take(10 * mib + 100 * mib, now: 1000)
        #expect(bucket.waitSeconds(now: 1000) >= 1.0, "at most the old burst was saved, not 1000 s of tokens")

        var lowered = TokenBucket(bytesPerSecond: 100 * mib, now: 0)
        lowered.setRate(mib, now: 10)
        lowered.take(lowered.capacity + mib, now: 10)
        #expect(close(lowered.waitSeconds(now: 10), 1.0), "a full large bucket is cut to the new capacity")
    }

    @Test func capacityIsATenthOfASecondButAtLeast64KiB() {
        #expect(TokenBucket(bytesPerSecond: 20_000_000, now: 0).capacity == 2_000_000)
        #expect(TokenBucket(bytesPerSecond: 100 * kib, now: 0).capacity == 64 * kib)
        #expect(TokenBucket(bytesPerSecond: 0, now: 0).capacity == 64 * kib)
    }

    @Test func debtIsPaidBack() {
        var bucket = TokenBucket(bytesPerSecond: mib, now: 0)
        bucket.take(bucket.capacity + 3 * mib, now: 0)
        #expect(close(bucket.waitSeconds(now: 0), 3.0))
        #expect(close(bucket.waitSeconds(now: 1), 2.0), "asking does not change the balance")
        #expect(close(bucket.waitSeconds(now: 2.5), 0.5))
        #expect(bucket.waitSeconds(now: 3) == 0)
        #expect(bucket.waitSeconds(now: 30) == 0)
        bucket.take(bucket.capacity, now: 30)
        #expect(bucket.waitSeconds(now: 30) == 0, "refill stops at the capacity")
        bucket.take(mib, now: 30)
        #expect(close(bucket.waitSeconds(now: 30), 1.0))

        var changed = TokenBucket(bytesPerSecond: mib, now: 0)
        changed.take(changed.capacity + 3 * mib, now: 0)
        changed.setRate(2 * mib, now: 1)
        #expect(close(changed.waitSeconds(now: 1), 1.0), "a debt survives a rate change and is paid at the new rate")
    }

    @Test func aClockThatGoesBackDoesNotCreateTokens() {
        var bucket = TokenBucket(bytesPerSecond: mib, now: 10)
        bucket.take(bucket.capacity + mib, now: 10)
        bucket.take(0, now: 5)
        #expect(close(bucket.waitSeconds(now: 10), 1.0))
    }
}
