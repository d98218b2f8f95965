import Foundation

/// The answer of `usage`: every model's figures over the last `window` days, ranked, and
/// the totals over all of them. Built from daily rows only, never from raw reports, so it
/// costs the same with a hundred reports or a hundred thousand.
public struct UsageSummary: Codable, Sendable, Equatable {
    /// Days in the window, `from` to `to` inclusive.
    public var window: Int
    public var from: String
    public var to: String
    /// Most used first (see `build` for the order).
    public var models: [ModelUsage]
    /// Every model together, `model` is `ModelUsage.allModels` and `rank` 0.
    public var total: ModelUsage

    /// - Parameters:
    ///   - days: daily rows; those outside the window are left out.
    ///   - models: the catalog's ids, listed even when unused. A model with rows in the
    ///     window but not in the catalog (removed from it since) is listed too.
    ///   - window: days ending with `today`, at least 1.
    ///   - today: the window's last day, `YYYY-MM-DD`; one that is not a day leaves the
    ///     window empty.
    ///
    /// Ranked by uses, then by the most recent use (never used last), then by id, so the
    /// same rows always give the same order.
    public static func build(days: [UsageDay], models: [String], window: Int, today: String) -> UsageSummary {
        let windowDays = UsageDay.days(endingWith: today, count: max(window, 1))
        let inWindow = Set(windowDays)
        let rows = days.filter { inWindow.contains($0.day) }
        let rowsByModel = Dictionary(grouping: rows, by: \.model)
        var ids: [String] = []
        var listed = Set<String>()
        for id in models + rowsByModel.keys.sorted() where listed.insert(id).inserted { ids.append(id) }
        let ranked = ids.map { ModelUsage(model: $0, days: rowsByModel[$0] ?? [], window: windowDays) }
            .sorted(by: isRankedBefore)
            .enumerated().map { index, usage in
                var numbered = usage
                numbered.rank = index + 1
                return numbered
            }
        return UsageSummary(
            window: windowDays.count, from: windowDays.first ?? today, to: windowDays.last ?? today, models: ranked,
            total: ModelUsage(model: ModelUsage.allModels, days: rows, window: windowDays))
    }

    private static func isRankedBefore(_ a: ModelUsage, _ b: ModelUsage) -> Bool {
        if a.uses != b.uses { return a.uses > b.uses }
        switch (a.lastUsed, b.lastUsed) {
        case (let x?, let y?) where x != y: return x > y
        case (_?, nil): return true
        case (nil, _?): return false
        default: return a.model < b.model
        }
    }
}
