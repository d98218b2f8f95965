import Testing

@testable import ModeldCore

@Suite struct RollbackJudgeTests {
    @Test func threeFailuresInTheFirstFiveAgainstAGoodBaselineRollBack() {
        let reason = RollbackJudge.reason(new: [false, true, false, false], baseline: [true, true, true, true, false])
        #expect(reason == "3 of the first 4 generations on it failed, against 80 % success before")
    }

    @Test func failuresAfterTheFirstFiveOrTwoOfThemDoNot() {
        #expect(RollbackJudge.reason(new: [true, true, false, true, false, false, false], baseline: [true, true, true]) == nil)
        #expect(RollbackJudge.reason(new: [false, false, true], baseline: [true, true, true]) == nil)
    }

    @Test func noBaselineOrAPoorOneNeverRollsBack() {
        #expect(RollbackJudge.reason(new: [false, false, false], baseline: [true, true]) == nil)
        #expect(RollbackJudge.reason(new: [false, false, false], baseline: [true, false, true, false]) == nil)
    }
}
