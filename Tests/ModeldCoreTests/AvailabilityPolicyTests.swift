import ModeldCore
import Testing

@Suite struct AvailabilityPolicyTests {
    static let both = AvailabilityPolicy.Permissions(download: true, repair: true)
    static let repairOnly = AvailabilityPolicy.Permissions(download: false, repair: true)
    static let none = AvailabilityPolicy.Permissions(download: false, repair: false)

    struct Transition: Sendable, CustomTestStringConvertible {
        var from: ModelState
        var to: ModelState
        var permissions: AvailabilityPolicy.Permissions
        var action: AvailabilityPolicy.Action?
        var testDescription: String { "\(from) → \(to)" }
    }

    @Test(arguments: [
        // Start-up's first verdict: a missing model is fetched only with auto_download.
        Transition(from: .verifying, to: .missing, permissions: both, action: .pull),
        Transition(from: .verifying, to: .missing, permissions: repairOnly, action: nil),
        Transition(from: .unknown, to: .missing, permissions: both, action: .pull),
        // Damage is repaired under auto_repair, wherever it was found.
        Transition(from: .verifying, to: .corrupted, permissions: repairOnly, action: .repair),
        Transition(from: .available, to: .corrupted, permissions: repairOnly, action: .repair),
        Transition(from: .available, to: .corrupted, permissions: none, action: nil),
        // Files lost by a model that was whole are a repair; without it, auto_download decides.
        Transition(from: .available, to: .missing, permissions: repairOnly, action: .repair),
        Transition(from: .available, to: .missing, permissions: .init(download: true, repair: false), action: .pull),
        // A failed or cancelled download is a person's decision.
        Transition(from: .failed, to: .missing, permissions: both, action: nil),
        Transition(from: .downloading, to: .missing, permissions: both, action: nil),
        Transition(from: .downloading, to: .failed, permissions: both, action: nil),
        Transition(from: .queued, to: .paused, permissions: both, action: nil),
    ])
    func startsOnlyWhatThePolicyAllows(_ case_: Transition) {
        #expect(AvailabilityPolicy.automaticAction(from: case_.from, to: case_.to, permissions: case_.permissions) == case_.action)
    }

    @Test func anAcquireCountsAsDemand() {
        typealias P = AvailabilityPolicy
        #expect(P.actionOnDemand(state: .available, hasVerifiedFiles: true, changePending: true, permissions: Self.none) == .recheck)
        #expect(P.actionOnDemand(state: .available, hasVerifiedFiles: true, changePending: false, permissions: Self.both) == nil)
        #expect(P.actionOnDemand(state: .missing, hasVerifiedFiles: false, changePending: false, permissions: Self.repairOnly) == nil)
        #expect(P.actionOnDemand(state: .missing, hasVerifiedFiles: true, changePending: false, permissions: Self.repairOnly) == .pull)
        #expect(P.actionOnDemand(state: .missing, hasVerifiedFiles: false, changePending: false, permissions: Self.both) == .pull)
        #expect(P.actionOnDemand(state: .corrupted, hasVerifiedFiles: true, changePending: false, permissions: Self.repairOnly) == .repair)
        #expect(P.actionOnDemand(state: .paused, hasVerifiedFiles: true, changePending: false, permissions: Self.both) == nil)
        #expect(P.actionOnDemand(state: .failed, hasVerifiedFiles: true, changePending: false, permissions: Self.both) == nil)
    }

    @Test func theRemedyIsTheCommandForTheState() {
        #expect(AvailabilityPolicy.remedy(for: "m", state: .corrupted) == "modelctl repair m")
        #expect(AvailabilityPolicy.remedy(for: "m", state: .paused) == "modelctl resume m")
        #expect(AvailabilityPolicy.remedy(for: "m", state: .unknown) == "modelctl verify m")
        #expect(AvailabilityPolicy.remedy(for: "m", state: .missing) == "modelctl pull m")
        #expect(AvailabilityPolicy.remedy(for: "m", state: .failed) == "modelctl pull m")
    }
}

@Suite struct AcquireAdvisorTests {
    static let ready = Alternative(model: "ti2v-5B", ready: true, compatibility: 0.88, quality: .slightlyLower, fitsVRAM: true, reason: "serves t2v at 1280*704")
    static let notReady = Alternative(model: "ti2v-5B", ready: false, compatibility: 0.88, quality: .slightlyLower, fitsVRAM: true, reason: "not ready")

    @Test func startedWorkMeansDownloadAndRetry() {
        let advice = AcquireAdvisor.advice(.init(model: "t2v-A14B", state: .queued, reason: "queued for download", started: .pull))
        #expect(advice.strategy == .downloadAndRetry)
        #expect(advice.message == "t2v-A14B is not ready (queued for download); the download has started")
        #expect(advice.hint.hasPrefix("modelctl acquire t2v-A14B --wait"))
        #expect(advice.waitingHelps)
        let repair = AcquireAdvisor.advice(.init(model: "m", state: .repairing, reason: "fetching the damaged ranges", started: .repair))
        #expect(repair.message.contains("the repair has started"))
        // Started, then cancelled by an admin: nothing is on the way any more.
        let cancelled = AcquireAdvisor.advice(.init(model: "m", state: .missing, reason: "not downloaded", started: .pull))
        #expect(cancelled.strategy == .mockGeneration && !cancelled.waitingHelps)
    }

    @Test func workUnderWayMeansQueueAndWaitWithTheETA() {
        let advice = AcquireAdvisor.advice(.init(
            model: "m", state: .downloading, reason: "downloading", etaSeconds: 212, queuePosition: 1, alternatives: [Self.ready]))
        #expect(advice.strategy == .queueAndWait)
        #expect(advice.message == "m is downloading (downloading); about 3m 32s left")
        let queued = AcquireAdvisor.advice(.init(model: "m", state: .queued, reason: "queued for download", queuePosition: 3))
        #expect(queued.message.hasSuffix("number 3 in the download queue"))
        let rechecking = AcquireAdvisor.advice(.init(
            model: "m", state: .available, reason: "all verified", started: .recheck, checking: true))
        #expect(rechecking.strategy == .queueAndWait && rechecking.waitingHelps)
        // The check is done and found damage no policy lets the daemon repair: no more waiting.
        let damaged = AcquireAdvisor.advice(.init(model: "m", state: .corrupted, reason: "1 file damaged", started: .recheck))
        #expect(damaged.strategy == .mockGeneration && !damaged.waitingHelps)
        #expect(damaged.hint == "modelctl repair m")
        // Found damaged, and the automatic repair decided but not queued yet: it is coming.
        let repairComing = AcquireAdvisor.advice(.init(
            model: "m", state: .corrupted, reason: "1 file damaged", started: .recheck, fetchComing: true))
        #expect(repairComing.strategy == .queueAndWait && repairComing.waitingHelps)
        #expect(repairComing.message == "m is corrupted (1 file damaged); the daemon fetches what it lacks by itself")
        let starting = AcquireAdvisor.advice(.init(model: "m", state: .unknown, reason: "not checked yet", checking: true))
        #expect(starting.strategy == .queueAndWait && starting.waitingHelps, "the first verdict is coming")
    }

    @Test func aReadyAlternativeComesBeforeMock() {
        let advice = AcquireAdvisor.advice(.init(
            model: "t2v-A14B", state: .missing, reason: "not downloaded", alternatives: [Self.ready], task: "t2v"))
        #expect(advice.strategy == .alternativeModel)
        #expect(advice.message == "t2v-A14B is not ready (not downloaded); ti2v-5B is ready and can serve t2v: serves t2v at 1280*704")
        #expect(advice.hint == "modelctl pull t2v-A14B makes t2v-A14B itself usable")
        #expect(!advice.waitingHelps)
    }

    @Test func nothingReadyMeansMockOutputSaidPlainly() {
        let setup = SetupAdvice(model: "ti2v-5B", sizeBytes: 1, command: "modelctl pull ti2v-5B", message: "No model is ready.")
        let advice = AcquireAdvisor.advice(.init(
            model: "t2v-A14B", state: .corrupted, reason: "1 file damaged", alternatives: [Self.notReady], setup: setup, task: "t2v"))
        #expect(advice.strategy == .mockGeneration)
        #expect(advice.message.contains("generation can only produce mock output"))
        #expect(advice.message.hasSuffix("No model is ready."))
        #expect(advice.hint == "modelctl repair t2v-A14B; or, for a model that fits this GPU: modelctl pull ti2v-5B")
    }

    @Test func aModelTooBigForTheGPUIsNotTheFixPointedAt() {
        let advice = AcquireAdvisor.advice(.init(
            model: "t2v-A14B", state: .missing, reason: "not downloaded", alternatives: [Self.notReady], task: "t2v",
            fits: (false, 80, 24)))
        #expect(advice.strategy == .mockGeneration)
        #expect(advice.message.hasSuffix("t2v-A14B needs 80 GB of GPU memory; this GPU has 24 GB"))
        #expect(advice.hint == "modelctl pull ti2v-5B (it fits this GPU and can serve t2v)")
    }

    @Test func aFailedDownloadGivesItsOwnHintAndStopsTheWait() {
        let advice = AcquireAdvisor.advice(.init(
            model: "m", state: .failed, reason: "retries spent", started: .pull,
            failure: .init(message: "the hub answered 404", hint: "check the repo name in the config")))
        #expect(advice.strategy == .mockGeneration)
        #expect(advice.message.contains("the hub answered 404"))
        #expect(advice.hint == "check the repo name in the config")
        #expect(!advice.waitingHelps)
    }
}
