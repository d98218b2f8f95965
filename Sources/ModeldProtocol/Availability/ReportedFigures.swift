/// The figures of a `report` or `release` the performance baseline compares, taken out of
/// the checked figures (`UsageFigures.extra`); the rest stay as they came. A figure of the
/// wrong kind is refused, since a baseline built from it would mislead.
public struct ReportedFigures: Sendable, Equatable {
    /// `resolution`: "1280x704".
    public var resolution: String?
    public var secondsPerStep: Double?
    public var frames: Int?
    /// `load_s`: how long loading the weights took.
    public var loadSeconds: Double?
    /// `gpu`: the index of the GPU the generation ran on.
    public var gpu: Int?
    /// Every other figure.
    public var rest: [String: JSONValue]

    public init(_ figures: [String: JSONValue]) throws(ProtocolError) {
        var rest = figures
        func take(_ name: String) -> JSONValue? {
            guard let value = rest.removeValue(forKey: name), value != .null else { return nil }
            return value
        }
        func seconds(_ name: String) throws(ProtocolError) -> Double? {
            guard let value = take(name) else { return nil }
            guard let number = value.number, number >= 0, number <= UsageFigures.longestDuration else {
                throw ProtocolError(
                    .badRequest, "\(name) must be a number of seconds from 0 to \(Int(UsageFigures.longestDuration))",
                    hint: "send it like \"\(name)\": 2.5")
            }
            return number
        }
        func count(_ name: String) throws(ProtocolError) -> Int? {
            guard let value = take(name) else { return nil }
            guard let number = value.number, number >= 0, number <= 1e9, number == number.rounded() else {
                throw ProtocolError(.badRequest, "\(name) must be a whole number, 0 or more", hint: "send it like \"\(name)\": 121")
            }
            return Int(number)
        }
        if let value = take("resolution") {
            guard let text = value.string else {
                throw ProtocolError(.badRequest, "resolution must be a string", hint: "send it like \"resolution\": \"1280x704\"")
            }
            resolution = text
        }
        secondsPerStep = try seconds("seconds_per_step")
        loadSeconds = try seconds("load_s")
        frames = try count("frames")
        gpu = try count("gpu")
        self.rest = rest
    }
}
