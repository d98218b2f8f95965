import Foundation
import ModeldCore
import ModeldProtocol
import Testing

@testable import modelctl

@Suite struct ProgressTextTests {
    let progress = DownloadProgress(
        model: "ti2v-5B", bytesDone: 12_000_000_000, bytesTotal: 34_203_123_497, bytesPerSecond: 104_857_600, etaSeconds: 212)

    @Test func durationsUseTheTwoLargestUnits() {
        #expect(TimeSpan.describe(seconds: 0) == "0s")
        #expect(TimeSpan.describe(seconds: 45) == "45s")
        #expect(TimeSpan.describe(seconds: 212) == "3m 32s")
        #expect(TimeSpan.describe(seconds: 3600 + 5 * 60 + 9) == "1h 05m")
        #expect(TimeSpan.describe(seconds: 2 * 86400 + 3 * 3600) == "2d 3h")
        #expect(TimeSpan.describe(seconds: -4) == "0s")
        #expect(ProgressText.delay(seconds: 2) == "2s")
        #expect(ProgressText.delay(seconds: 1.5) == "1.5s")
        #expect(ProgressText.delay(seconds: 90) == "1m 30s")
    }

    @Test func theBarAndThePercentFollowTheBytes() {
        #expect(ProgressText.bar(done: 35, total: 100, width: 20) == "[#######.............]")
        #expect(ProgressText.bar(done: 0, total: 0, width: 4) == "[....]")
        #expect(ProgressText.bar(done: 200, total: 100, width: 4) == "[####]")
        #expect(ProgressText.percent(done: 12_000_000_000, total: 34_203_123_497) == 35)
        #expect(ProgressText.percent(done: 5, total: 0) == 0)
    }

    @Test func theProgressLine() {
        #expect(
            ProgressText.line(progress, barWidth: 10)
                == "ti2v-5B  [###.......]   35%  11.2 GiB / 31.9 GiB  100 MiB/s  ETA 3m 32s")
        var unknown = progress
        unknown.etaSeconds = nil
        #expect(ProgressText.line(unknown, barWidth: nil) == "ti2v-5B   35%  11.2 GiB / 31.9 GiB  100 MiB/s  ETA --")
    }

    @Test func aNarrowTerminalNarrowsTheBarThenDropsItThenCutsTheLine() {
        #expect(ProgressText.fitted(progress, columns: nil).contains("[####"))
        #expect(ProgressText.fitted(progress, columns: 200) == ProgressText.line(progress, barWidth: 20))
        #expect(ProgressText.fitted(progress, columns: 72) == ProgressText.line(progress, barWidth: 10))
        #expect(ProgressText.fitted(progress, columns: 71) == ProgressText.line(progress, barWidth: nil))
        #expect(ProgressText.fitted(progress, columns: 20).count == 19)
    }

    @Test func ratesParseLikeConfigSizes() {
        #expect(ProgressText.parseRate("0") == 0)
        #expect(ProgressText.parseRate("none") == 0)
        #expect(ProgressText.parseRate("None") == 0)
        #expect(ProgressText.parseRate("4096") == 4096)
        #expect(ProgressText.parseRate("20MB") == 20_000_000)
        #expect(ProgressText.parseRate("50MiB") == 50 << 20)
        #expect(ProgressText.parseRate("1GB/s") == 1_000_000_000)
        #expect(ProgressText.parseRate("1.5GB") == 1_500_000_000)
        #expect(ProgressText.parseRate("0MB") == 0)
        for bad in ["", "20M", "-5", "fast", "0.4B", "/s", "MB"] {
            #expect(ProgressText.parseRate(bad) == nil, "\(bad)")
        }
    }

    @Test func theRetryLine() {
        #expect(
            ProgressText.retry(file: "a.safetensors", attempt: 1, max: 3, delaySeconds: 2, error: "connection reset")
                == "retry 1/3 of a.safetensors in 2s: connection reset")
    }
}

@Suite struct DownloadFollowerTests {
    let pull = DownloadFollower(model: "m", kind: .pull)
    let repair = DownloadFollower(model: "m", kind: .repair)

    func received(_ payload: Event.Payload) -> ClientEvent { ClientEvent(name: Event(payload).name, seq: 1, event: Event(payload)) }

    @Test func progressAndRetriesAreShown() {
        let progress = pull.step(received(.downloadProgress(model: "m", bytesDone: 1, bytesTotal: 2, speedBytesPerSecond: 3, etaSeconds: nil)))
        #expect(progress.progress == DownloadProgress(model: "m", bytesDone: 1, bytesTotal: 2, bytesPerSecond: 3, etaSeconds: nil))
        #expect(progress.end == nil)
        let retry = pull.step(received(.downloadRetry(model: "m", file: "f", attempt: 2, max: 3, delaySeconds: 4, error: "e")))
        #expect(retry.lines == ["retry 2/3 of f in 4s: e"])
    }

    @Test func eventsAboutOtherModelsAndUnknownEventsAreIgnored() {
        #expect(pull.step(received(.downloadDone(model: "other", bytesFetched: 10, retries: 1))) == .init())
        #expect(pull.step(ClientEvent(name: "update.available", seq: 1, event: nil)) == .init())
    }

    @Test func aPullEndsWhenDoneAvailablePausedOrFailed() {
        #expect(pull.step(received(.downloadDone(model: "m", bytesFetched: 10, retries: 1))).end == .success("m: download complete"))
        #expect(repair.step(received(.downloadDone(model: "m", bytesFetched: 10, retries: 1))).end == nil)
        let available = received(.modelState(model: "m", from: .verifying, to: .available, reason: "verified"))
        #expect(repair.step(available).end == .success("m is available: every file verified"))
        let forCritical = pull.step(received(.modelState(model: "m", from: .downloading, to: .paused, reason: "paused for x, goes on after it")))
        #expect(forCritical.end == nil, "paused for a critical download: it goes on by itself")
        let onError = pull.step(received(.modelState(model: "m", from: .downloading, to: .paused, reason: "paused: no space left"))).end
        #expect(onError == .failure("m is paused: no space left\nhint: `modelctl status m` shows what to do; then `modelctl resume m`"))
        let plain = pull.step(received(.modelState(model: "m", from: .downloading, to: .paused, reason: "paused"))).end
        #expect(plain == .success("m is paused; `modelctl resume m` continues it"))
        let failed = pull.step(received(.downloadFailed(model: "m", error: ProtocolError(.network, "gone", hint: "retry"))))
        #expect(failed.end == .failure("m: download failed: gone (network)\nhint: retry"))
        #expect(repair.step(received(.lagged(dropped: 3))).end.map { if case .lost = $0 { true } else { false } } == true)
    }

    @Test func aRestingStateAsksWhetherTheDownloadIsStillQueued() {
        let step = pull.step(received(.modelState(model: "m", from: .downloading, to: .missing, reason: "cancel")))
        #expect(step.end == nil)
        #expect(step.lines == ["m: downloading → missing (cancel)"])
        #expect(step.endUnlessStillQueued != nil)
        #expect(pull.step(received(.modelState(model: "m", from: .queued, to: .downloading, reason: ""))).endUnlessStillQueued == nil)
    }

    @Test func repairsPrintEachFile() {
        #expect(repair.step(received(.repairDone(model: "m", file: "f", bytesFetched: 16 << 20))).lines == ["repaired f (16 MiB fetched)"])
    }
}
