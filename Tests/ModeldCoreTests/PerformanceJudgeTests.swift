import Foundation
import Testing

@testable import ModeldCore

@Suite struct PerformanceJudgeTests {
    static let start = Date(timeIntervalSince1970: 2_000_000_000)
    static let old = "aaaaaaa1111111111111111111111111111111111"
    static let new = "bbbbbbb2222222222222222222222222222222222"

    /// Successful generations reporting seconds per step at 1280x704 on `old`, a minute apart.
    static func steps(_ values: [Double], commit: String? = old) -> [PerformanceSample] {
        values.enumerated().map { index, value in
            PerformanceSample(
                at: start.addingTimeInterval(Double(index) * 60), commit: commit, resolution: "1280x704", success: true,
                secondsPerStep: value)
        }
    }

    /// Ten at 2 s per step, then five at `slow`, each of the slow ones changed by `change`.
    static func slowdown(to slow: Double = 6, _ change: (inout PerformanceSample) -> Void = { _ in }) -> [PerformanceSample] {
        var recent = steps(Array(repeating: slow, count: 5))
        for index in recent.indices {
            recent[index].at = start.addingTimeInterval(Double(10 + index) * 60)
            change(&recent[index])
        }
        return steps(Array(repeating: 2, count: 10)) + recent
    }

    static func judge(_ samples: [PerformanceSample], _ condition: ModelCondition = ModelCondition()) -> [Degradation] {
        PerformanceJudge.degradations(model: "ti2v-5B", samples: samples, condition: condition)
    }

    @Test func lessThanTheFactorSlowerIsNoDegradation() {
        #expect(Self.judge(Self.slowdown(to: 2.9)).isEmpty)
        #expect(Self.judge(Self.steps(Array(repeating: 2, count: 30))).isEmpty)
    }

    @Test func theFactorItselfIsADegradation() throws {
        let found = try #require(Self.judge(Self.slowdown(to: 3)).first)
        #expect(found.metric == "seconds_per_step@1280x704")
        #expect(found.baseline == 2 && found.current == 3)
    }

    @Test func tooFewSamplesMakeNoJudgement() {
        let nine = Array(Self.slowdown().dropFirst(6))
        #expect(nine.count == 9)
        #expect(Self.judge(nine).isEmpty)
        #expect(Self.judge(Array(Self.slowdown().dropFirst(5))).count == 1)
    }

    @Test func figuresBackUnderTheFactorAreNoDegradation() {
        var samples = Self.slowdown()
        samples += Self.steps(Array(repeating: 2.2, count: 5))
        #expect(Self.judge(samples).isEmpty)
    }

    @Test func oneSlowGenerationAmongTheRecentChangesNothing() {
        var samples = Self.steps(Array(repeating: 2, count: 14))
        samples += Self.steps([40])
        #expect(Self.judge(samples).isEmpty)
    }

    @Test func damagedOrMissingFilesComeFirst() throws {
        let condition = ModelCondition(damagedFiles: 2, missingFiles: 1, unverifiedFiles: 4, currentCommit: Self.new, previousCommit: Self.old)
        let found = try #require(Self.judge(Self.slowdown { $0.commit = Self.new; $0.otherGPUProcesses = 1 }, condition).first)
        #expect(found.cause == .damagedFiles)
        #expect(found.suggestion.command == "modelctl repair ti2v-5B")
        #expect(found.suggestion.why == "seconds per step at 1280x704 rose from 2.0 to 6.0 (3.0×) while 2 files are damaged and 1 file is missing")
    }

    @Test func unverifiedFilesAloneAskForADeepVerify() throws {
        let found = try #require(Self.judge(Self.slowdown(), ModelCondition(unverifiedFiles: 3)).first)
        #expect(found.cause == .unverifiedFiles)
        #expect(found.suggestion.command == "modelctl verify ti2v-5B --deep")
        #expect(found.suggestion.why.hasSuffix("while 3 files are not verified"))
    }

    @Test func aNewCommitWithOneToGoBackToSuggestsARollback() throws {
        let samples = Self.slowdown { $0.commit = Self.new }
        let found = try #require(Self.judge(samples, ModelCondition(currentCommit: Self.new, previousCommit: Self.old)).first)
        #expect(found.cause == .newCommit)
        #expect(found.suggestion.command == "modelctl rollback ti2v-5B")
        #expect(found.suggestion.why == "seconds per step at 1280x704 rose from 2.0 to 6.0 (3.0×) since the update from aaaaaaa to bbbbbbb")
        // Nothing to roll back to, or the model has left that commit already: not the answer.
        #expect(Self.judge(samples, ModelCondition(currentCommit: Self.new)).first?.cause == .unknown)
        #expect(Self.judge(samples, ModelCondition(currentCommit: "c", previousCommit: Self.old)).first?.cause == .unknown)
    }

    @Test func aBusyGPUPointsAtItsOtherProcesses() throws {
        let samples = Self.slowdown {
            $0.gpu = 0
            $0.otherGPUProcesses = 1
            $0.vramUsedFraction = 0.93
        }
        let found = try #require(Self.judge(samples).first)
        #expect(found.cause == .gpuBusy)
        #expect(found.suggestion.command == "nvidia-smi")
        #expect(
            found.suggestion.why
                == "seconds per step at 1280x704 rose from 2.0 to 6.0 (3.0×) while 1 other process was on GPU 0 and its memory was 93 % used; close them, or use a smaller model or --offload_model")
        let full = try #require(Self.judge(Self.slowdown { $0.vramUsedFraction = 0.95 }).first)
        #expect(full.cause == .gpuBusy)
        #expect(full.suggestion.why.hasSuffix("while the GPU's memory was 95 % used; use a smaller model or --offload_model"))
    }

    @Test func aBusyGPUInAFewOfTheRecentSamplesIsNotTheCause() throws {
        var samples = Self.slowdown()
        samples[samples.count - 1].otherGPUProcesses = 2
        samples[samples.count - 2].vramUsedFraction = 0.99
        #expect(try #require(Self.judge(samples).first).cause == .unknown)
    }

    @Test func slowerLoadsOnANearlyFullDiskSuggestCleanup() throws {
        let samples = Self.slowdown(to: 2) { $0.loadSeconds = 40 }.map { sample in
            var sample = sample
            sample.loadSeconds = sample.loadSeconds ?? 12
            return sample
        }
        let found = try #require(Self.judge(samples, ModelCondition(diskLow: true)).first)
        #expect(found.metric == "load_s")
        #expect(found.cause == .diskLow)
        #expect(found.suggestion.command == "modelctl cleanup --dry-run")
        #expect(found.suggestion.why.hasPrefix("load time rose from 12 to 40 s (3.3×) while the store's disk is nearly full"))
        // A low disk does not explain slower steps.
        #expect(Self.judge(Self.slowdown(), ModelCondition(diskLow: true)).first?.cause == .unknown)
    }

    @Test func concurrentGenerationsSuggestQueueing() throws {
        let found = try #require(Self.judge(Self.slowdown { $0.concurrentGenerations = 3 }).first)
        #expect(found.cause == .concurrentGenerations)
        #expect(found.suggestion.why.hasSuffix("while up to 3 generations ran at once; queue them to run one at a time"))
    }

    @Test func withNoCauseInSightADeepVerifyIsSuggested() throws {
        let found = try #require(Self.judge(Self.slowdown()).first)
        #expect(found.cause == .unknown)
        #expect(found.suggestion.command == "modelctl verify ti2v-5B --deep")
    }

    @Test func aDropInSuccessIsADegradationAndFailuresAreNoTimings() throws {
        var samples = Self.steps(Array(repeating: 2, count: 20))
        for index in 0..<10 {
            samples.append(PerformanceSample(
                at: Self.start.addingTimeInterval(Double(20 + index) * 60), resolution: "1280x704", success: index < 4,
                secondsPerStep: index < 4 ? 2 : 50))
        }
        let found = Self.judge(samples)
        #expect(found.map(\.metric) == ["success_rate"])
        let drop = try #require(found.first)
        #expect(drop.baseline == 1 && drop.current == 0.4)
        #expect(drop.suggestion.why == "success rate fell from 100 % to 40 % over the last 10 generations with no cause in sight; a deep verify rules out damaged weights")
    }

    @Test func successRateNeedsEnoughOutcomesOnBothSides() {
        let outcomes: [Bool?] = [true, true, true, true, false, false, false, false, false, nil, nil]
        let samples = outcomes.map { PerformanceSample(at: Self.start, success: $0) }
        #expect(Self.judge(samples).isEmpty)
        let ten = ([true, true, true, true, true, false, false, false, false, true] as [Bool]).map { PerformanceSample(at: Self.start, success: $0) }
        #expect(Self.judge(ten).map(\.metric) == ["success_rate"])
    }

    @Test func resolutionsAreComparedApart() {
        let small = Self.steps(Array(repeating: 1, count: 10)).map { sample in
            var sample = sample
            sample.resolution = "832x480"
            return sample
        }
        // Together they would read as three times slower.
        #expect(Self.judge(small + Self.steps(Array(repeating: 3, count: 10))).isEmpty)
        let smallSlower = small + small.map { sample in
            var sample = sample
            sample.secondsPerStep = 2
            return sample
        }
        #expect(Self.judge(smallSlower).map(\.metric) == ["seconds_per_step@832x480"])
    }

    @Test func withoutStepsFramesOrTheDurationAreTheTiming() {
        let perFrame = (0..<15).map { index in
            PerformanceSample(at: Self.start, success: true, durationSeconds: index < 10 ? 81 : 243, frames: 81)
        }
        #expect(Self.judge(perFrame).map(\.metric) == ["seconds_per_frame"])
        let whole = (0..<15).map { index in
            PerformanceSample(at: Self.start, resolution: "1280x704", success: true, durationSeconds: index < 10 ? 40 : 80, frames: 0)
        }
        #expect(Self.judge(whole).map(\.metric) == ["duration_s@1280x704"])
    }
}
