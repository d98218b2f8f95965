import Foundation
import Testing

@testable import ModeldDaemon

@Suite struct IdleClockTests {
    let start = ContinuousClock.now

    @Test func closesOnceNothingCameForTheTimeout() {
        let clock = IdleClock(timeout: .seconds(10), now: start)
        #expect(clock.verdict(at: start + .seconds(3)) == .lookAgain(at: start + .seconds(10)))
        #expect(clock.verdict(at: start + .seconds(10)) == .close)
    }

    @Test func eachLineAndEachAnswerStartsTheWaitAgain() {
        let clock = IdleClock(timeout: .seconds(10), now: start)
        clock.heard(at: start + .seconds(8))
        #expect(clock.verdict(at: start + .seconds(12)) == .lookAgain(at: start + .seconds(18)))
        clock.requestBegan(at: start + .seconds(12))
        clock.requestEnded(at: start + .seconds(15))
        #expect(clock.verdict(at: start + .seconds(24)) == .lookAgain(at: start + .seconds(25)))
        #expect(clock.verdict(at: start + .seconds(25)) == .close)
    }

    @Test func aRequestInFlightIsNeverIdleHoweverLongItTakes() {
        let clock = IdleClock(timeout: .seconds(10), now: start)
        clock.requestBegan(at: start)
        #expect(clock.verdict(at: start + .seconds(3600)) == .lookAgain(at: start + .seconds(3610)))
        clock.requestEnded(at: start + .seconds(3600))
        #expect(clock.verdict(at: start + .seconds(3605)) == .lookAgain(at: start + .seconds(3610)))
    }

    @Test func subscribersAndAZeroTimeoutAreNeverClosed() {
        let subscriber = IdleClock(timeout: .seconds(10), now: start)
        subscriber.requestBegan(at: start)
        subscriber.subscribed()
        #expect(subscriber.verdict(at: start + .seconds(3600)) == .never)
        #expect(IdleClock(timeout: .zero, now: start).verdict(at: start + .seconds(3600)) == .never)
    }
}

@Suite struct ConnectionAdmissionTests {
    @Test func aBurstFromManyThreadsNeverPassesTheLimit() {
        let metrics = ControlMetrics(verify: VerifyCounters())
        DispatchQueue.concurrentPerform(iterations: 1000) { _ in _ = metrics.admitConnection(limit: 64) }
        let text = metrics.exposition(MetricsFacts())
        #expect(text.contains("modeld_control_connections 64\n"))
        #expect(text.contains("modeld_control_connections_rejected_total 936\n"))
        metrics.connectionClosed()
        #expect(metrics.admitConnection(limit: 64), "a closed connection frees its place")
        #expect(!metrics.admitConnection(limit: 64))
    }
}
