/// The charts of `modelctl usage`: a sparkline of uses over the days and a row of the
/// 24 hours, both shaded with one ramp so a glance compares them.
extension UsageText {
    /// Eight heights, lowest first.
    static let ramp = Array("▁▂▃▄▅▆▇█")
    /// A count of zero: a dot, not a blank, so an idle day still takes its place.
    static let idle: Character = "·"
    /// The most cells a chart has: with its label, a chart line stays within 80 columns.
    static let widestChart = 60

    /// One cell per count, scaled to the largest: any use shows at least `▁`, the most `█`.
    static func cells(_ counts: [Int]) -> String {
        let most = Double(counts.max() ?? 0)
        return String(counts.map { count in
            guard count > 0, most > 0 else { return idle }
            // In doubles: a count near Int.max must not overflow on its way to a height.
            let height = Int((Double(count) / most * Double(ramp.count)).rounded(.up)) - 1
            return ramp[min(max(height, 0), ramp.count - 1)]
        })
    }

    /// `counts` summed into at most `cells` cells of `perCell` days each, newest last.
    /// When the days do not divide evenly the oldest cell is the short one, so the recent
    /// cells, the ones read first, are whole.
    static func folded(_ counts: [Int], into cells: Int = UsageText.widestChart) -> (counts: [Int], perCell: Int) {
        let cells = max(cells, 1)
        guard counts.count > cells else { return (counts, 1) }
        let perCell = (counts.count + cells - 1) / cells
        var sums: [Int] = []
        var end = counts.count
        while end > 0 {
            let start = max(end - perCell, 0)
            sums.append(counts[start..<end].reduce(0, +))
            end = start
        }
        return (sums.reversed(), perCell)
    }

    /// The uses per day as a labelled sparkline, with the window's first and last day
    /// under its ends.
    static func sparkline(_ label: String, _ perDay: [Int], from: String, to: String) -> [String] {
        let (sums, perCell) = folded(perDay)
        let chart = cells(sums)
        let gap = chart.count - from.count - to.count
        let axis = (gap >= 2 ? from + String(repeating: " ", count: gap) + to : "\(from) to \(to)")
            + (perCell > 1 ? "  (\(perCell) days a cell)" : "")
        return [labelled(label, chart), labelled("", axis)]
    }

    /// The hours of the day in the client's zone, shaded by uses, the zone named, and a
    /// ruler under them.
    static func peakHours(_ label: String, _ utcHours: [Int], utcOffset: Int) -> [String] {
        [
            labelled(label, cells(localHours(utcHours, utcOffset: utcOffset)) + "  " + zone(utcOffset: utcOffset)),
            labelled("", "0     6     12    18"),
        ]
    }

    /// The 24 counts of `utcHours` (index: the UTC hour) moved to a zone `utcOffset`
    /// seconds east of UTC: local hour h holds UTC hour h − offset. A zone off the whole
    /// hour (UTC+05:30) moves by the nearest whole hour, since the daemon counts per UTC hour.
    static func localHours(_ utcHours: [Int], utcOffset: Int) -> [Int] {
        let shift = Int((Double(utcOffset) / 3600).rounded())
        return (0..<24).map { local in
            let hour = ((local - shift) % 24 + 24) % 24
            return utcHours.indices.contains(hour) ? utcHours[hour] : 0
        }
    }

    /// `UTC`, `UTC+01`, `UTC-05`, `UTC+05:30`.
    static func zone(utcOffset: Int) -> String {
        guard utcOffset != 0 else { return "UTC" }
        let minutes = abs(utcOffset) / 60
        return "UTC" + (utcOffset > 0 ? "+" : "-") + twoDigits(minutes / 60) + (minutes % 60 == 0 ? "" : ":" + twoDigits(minutes % 60))
    }
}
