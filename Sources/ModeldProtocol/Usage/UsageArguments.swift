/// `usage`: one model or every model, over the last `days` days (30 when absent).
public struct UsageArguments: Codable, Sendable, Equatable {
    public var model: String?
    public var days: Int?

    public init(model: String? = nil, days: Int? = nil) {
        self.model = model
        self.days = days
    }

    /// The window when a request names none: a month shows habits without a year of rows.
    public static let defaultDays = 30
    /// Up to ten years: every answer has one `per_day` entry per day and model, so an
    /// unbounded window would let one request build an answer too big for a line.
    public static let allowedDays = 1...3650

    /// The window `days` asks for: the default when absent, refused outside `allowedDays`.
    public static func checkDays(_ days: Int?) throws(ProtocolError) -> Int {
        guard let days else { return defaultDays }
        guard allowedDays.contains(days) else {
            throw ProtocolError(
                .badRequest,
                "days must be a whole number of days from \(allowedDays.lowerBound) to \(allowedDays.upperBound), got \(days)",
                hint: "send the window to look back over, like \"days\": 30 (the default)")
        }
        return days
    }
}
