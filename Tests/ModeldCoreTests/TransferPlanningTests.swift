import ModeldCore
import Testing

@Suite struct RangeSetTests {
    @Test func insertsMergeOverlappingAndTouchingRanges() {
        var set = RangeSet()
        set.insert(ByteRange(10, 20))
        set.insert(ByteRange(30, 40))
        set.insert(ByteRange(20, 25))
        #expect(set.ranges == [ByteRange(10, 25), ByteRange(30, 40)])
        set.insert(ByteRange(5, 35))
        #expect(set.ranges == [ByteRange(5, 40)])
        set.insert(ByteRange(50, 50))
        #expect(set.ranges == [ByteRange(5, 40)], "an empty range adds nothing")
        #expect(set.byteCount == 35)
    }

    @Test func gapsAreWhatIsStillToFetch() {
        let set = RangeSet([ByteRange(0, 10), ByteRange(20, 30), ByteRange(90, 120)])
        #expect(set.gaps(within: 100) == [ByteRange(10, 20), ByteRange(30, 90)])
        #expect(RangeSet().gaps(within: 7) == [ByteRange(0, 7)])
        #expect(RangeSet([ByteRange(0, 7)]).gaps(within: 7).isEmpty)
        #expect(set.contains(ByteRange(22, 28)) && !set.contains(ByteRange(5, 15)))
    }
}

@Suite struct SegmentPlannerTests {
    let mib: Int64 = 1 << 20

    @Test func aFileIsCutIntoAboutSixtyFourPiecesWithinBounds() {
        #expect(SegmentPlanner.pieceSize(fileSize: 2048 * mib) == 32 * mib)
        #expect(SegmentPlanner.pieceSize(fileSize: 20 * mib) == SegmentPlanner.minimumPiece)
        #expect(SegmentPlanner.pieceSize(fileSize: 40_000 * mib) == SegmentPlanner.maximumPiece)
        #expect(SegmentPlanner.pieceSize(fileSize: 65 * 64 * mib + 1) == 66 * mib, "whole MiB, rounded up")
    }

    @Test func piecesCoverTheGapsInFileOrder() {
        let pieces = SegmentPlanner.pieces(missing: [ByteRange(100 * mib, 120 * mib), ByteRange(0, 3 * mib)], pieceSize: 8 * mib)
        #expect(pieces == [
            ByteRange(0, 3 * mib), ByteRange(100 * mib, 108 * mib), ByteRange(108 * mib, 116 * mib), ByteRange(116 * mib, 120 * mib),
        ])
        #expect(SegmentPlanner.pieces(missing: [ByteRange(0, 5), ByteRange(9, 9)], pieceSize: 0) == [ByteRange(0, 5)])
    }

    @Test func curlRangesNameTheLastByte() {
        #expect(SegmentPlanner.curlRange(ByteRange(0, 100)) == "0-99")
    }
}

@Suite struct RetryPolicyTests {
    @Test(arguments: [408, 429, 500, 502, 503, 504])
    func transientStatusesAreRetried(status: Int) {
        #expect(RetryPolicy.verdict(status: status) == .retry)
    }

    @Test func gatedAndMissingAreNot() {
        #expect(RetryPolicy.verdict(status: 401) == .giveUp(.gated))
        #expect(RetryPolicy.verdict(status: 403) == .giveUp(.gated))
        #expect(RetryPolicy.verdict(status: 404) == .giveUp(.notFound))
        #expect(RetryPolicy.verdict(status: 400) == .giveUp(.hubError))
    }

    @Test func retryAfterInSeconds() {
        #expect(RetryPolicy.retryAfter("3") == .seconds(3))
        #expect(RetryPolicy.retryAfter(" 120 ") == .seconds(120))
        #expect(RetryPolicy.retryAfter("99999") == .seconds(3600), "capped at an hour")
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT") == nil)
        #expect(RetryPolicy.retryAfter(nil) == nil)
    }
}

@Suite struct BackoffTests {
    let backoff = Backoff(initial: .seconds(1), maximum: .seconds(60))

    @Test func doublesUpToTheMaximumWithJitterInTheUpperHalf() {
        #expect(backoff.delay(attempt: 1, jitter: 1) == .seconds(1))
        #expect(backoff.delay(attempt: 3, jitter: 1) == .seconds(4))
        #expect(backoff.delay(attempt: 3, jitter: 0) == .seconds(2))
        #expect(backoff.delay(attempt: 30, jitter: 1) == .seconds(60))
        #expect(backoff.delay(attempt: 1000, jitter: 1) == .seconds(60), "no overflow on long outages")
    }

    @Test func aServersRetryAfterWinsWhenLonger() {
        #expect(backoff.delay(attempt: 1, jitter: 1, retryAfter: .seconds(10)) == .seconds(10))
        #expect(backoff.delay(attempt: 5, jitter: 1, retryAfter: .seconds(1)) == .seconds(16))
        #expect(backoff.delay(attempt: 2, jitter: 1, retryAfter: .seconds(0)) == .seconds(2), "Retry-After: 0 never shortens it")
        #expect(backoff.delay(attempt: 1, jitter: 1, retryAfter: .seconds(600)) == .seconds(60), "capped at backoff_max")
    }
}

@Suite struct ServerRotationTests {
    static let notFound = HubFailure(kind: .notFound, message: "404", hint: "check the repo")

    @Test func aRetryMovesOnAndARefusalLeavesTheServerOut() {
        var servers = ServerRotation(["hub", "m1", "m2"])
        #expect(servers.current == "hub" && servers.currentIsEndpoint)
        servers.advance()
        #expect(servers.current == "m1" && !servers.currentIsEndpoint)
        let another = servers.refuse(Self.notFound)
        #expect(another && servers.current == "m2")
        servers.advance()
        #expect(servers.current == "hub", "m1 refused the file: it is not asked again")
        servers.advance()
        #expect(servers.current == "m2")
    }

    @Test func whenEveryServerRefusedTheErrorNamesEachWithTheEndpointsKind() {
        var servers = ServerRotation(["hub", "mirror"])
        let mirrorLeft = servers.refuse(HubFailure(kind: .gated, message: "401 gated", hint: "set HF_TOKEN"))
        let noneLeft = !servers.refuse(Self.notFound)
        #expect(mirrorLeft && noneLeft)
        let failure = servers.refusal(of: "model.bin")
        #expect(failure.kind == .gated && failure.hint == "set HF_TOKEN")
        #expect(failure.message == "model.bin: every server refused it (hub: 401 gated; mirror: 404)")
    }
}
