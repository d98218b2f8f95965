extension TimeSpan {
    /// `45s`, `3m 32s`, `2h 05m`, `3d 4h`: the two largest units, for an ETA or a delay
    /// a person reads.
    public static func describe(seconds: Int64) -> String {
        let s = max(seconds, 0)
        func twoDigits(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m \(s % 60)s"
        case ..<86400: return "\(s / 3600)h \(twoDigits((s % 3600) / 60))m"
        default: return "\(s / 86400)d \((s % 86400) / 3600)h"
        }
    }

    /// `3 days`, `1 hour`, `12 minutes`: the largest whole unit, for an age a person reads
    /// ("not used for 12 days").
    public static func roughly(_ interval: Double) -> String {
        // Clamped: a clock set far off must not trap the conversion.
        let seconds = interval.isFinite ? Int(min(max(interval, 0), 1e12)) : 0
        let (count, unit) =
            switch seconds {
            case 86400...: (seconds / 86400, "day")
            case 3600...: (seconds / 3600, "hour")
            case 60...: (seconds / 60, "minute")
            default: (seconds, "second")
            }
        return "\(count) \(unit)\(count == 1 ? "" : "s")"
    }
}
