/// Whether generations on a new revision fail clearly more than on the one it replaced
/// (issue 14: 3 of the first 5 against a baseline of at least 80 % success): then the
/// update is undone by itself (`[updates] auto_rollback`).
public enum RollbackJudge {
    /// The first generations on the new revision that are judged.
    public static let firstGenerations = 5
    public static let failuresToRollBack = 3
    /// The old revision's success rate must be this or better: a revision that failed as
    /// often is not worse.
    public static let baselineSuccess = 0.8
    /// Fewer reported generations on the old revision make no baseline.
    public static let baselineMinimum = 3

    /// The reason to roll back, or nil.
    /// - Parameters:
    ///   - new: outcomes on the new revision, oldest first.
    ///   - baseline: outcomes on the old revision.
    public static func reason(new: [Bool], baseline: [Bool]) -> String? {
        guard baseline.count >= baselineMinimum else { return nil }
        let rate = Double(baseline.count { $0 }) / Double(baseline.count)
        guard rate >= baselineSuccess else { return nil }
        let judged = new.prefix(firstGenerations)
        let failures = judged.count { !$0 }
        guard failures >= failuresToRollBack else { return nil }
        return "\(failures) of the first \(judged.count) generations on it failed, against \(Int((rate * 100).rounded())) % success before"
    }
}
