/// What `report` and `release` may carry (Docs/protocol.md). Everything is checked
/// before anything is stored or a lease ends, so a client cannot fill the ledger with
/// junk, and a refused request changes nothing.
public enum UsageFigures {
    /// `duration_s`: a generation or a lease of more than a week is a client's mistake.
    public static let longestDuration = 7 * 86_400.0
    /// Strings (`model`, `lease` and string figures), in UTF-8 bytes.
    public static let longestString = 1024
    /// Figures beside the command's own arguments (`frames`, `steps`, `error`…).
    public static let mostFigures = 32
    /// A figure's name, in UTF-8 bytes.
    public static let longestName = 64
    /// Numbers: finite and at most this far from 0 (integers stay exact in a double).
    public static let largestNumber = 1e15

    public static func checkDuration(_ seconds: Double) throws(ProtocolError) {
        guard seconds.isFinite, (0...longestDuration).contains(seconds) else {
            throw ProtocolError(
                .badRequest, "duration_s must be a number of seconds from 0 to \(Int(longestDuration)) (7 days), got \(seconds)",
                hint: "send how long the generation or the use took, in seconds, like \"duration_s\": 93.5")
        }
    }

    public static func checkString(_ value: String, named name: String) throws(ProtocolError) {
        guard value.utf8.count <= longestString else {
            throw ProtocolError(
                .badRequest, "\"\(name)\" is \(value.utf8.count) bytes long; at most \(longestString) are accepted",
                hint: "shorten it: the first line of an error is enough, the rest belongs in the service's own log")
        }
    }

    /// The fields of `request` other than `fixed` (the command's arguments), checked:
    /// the figures to keep with the use.
    public static func extra(in request: Request, besides fixed: Set<String>) throws(ProtocolError) -> [String: JSONValue] {
        // Scalars: a nested figure is refused without being decoded (see `JSONScalar`).
        let figures = try request.arguments([String: JSONScalar].self).filter { !fixed.contains($0.key) }
        guard figures.count <= mostFigures else {
            throw ProtocolError(
                .badRequest, "\(figures.count) figures beside the arguments; at most \(mostFigures) are kept",
                hint: "send the figures that matter for analytics (frames, steps, peak_vram_gb…)")
        }
        var checked: [String: JSONValue] = [:]
        for (name, figure) in figures.sorted(by: { $0.key < $1.key }) {
            checked[name] = try check(figure.value, named: name)
        }
        return checked
    }

    /// `value` if it may be kept; nil is an array or an object.
    private static func check(_ value: JSONValue?, named name: String) throws(ProtocolError) -> JSONValue {
        guard !name.isEmpty, name.utf8.count <= longestName else {
            throw ProtocolError(
                .badRequest, "a figure's name must be 1 to \(longestName) bytes long, got \(name.utf8.count)",
                hint: "name figures like frames, steps or peak_vram_gb")
        }
        switch value {
        case .null?:
            return .null
        case .bool(let bool)?:
            return .bool(bool)
        case .number(let number)?:
            guard number.isFinite, abs(number) <= largestNumber else {
                throw ProtocolError(
                    .badRequest, "figure \"\(name)\" must be a finite number of at most 1e15 in size, got \(number)",
                    hint: "send the figure in a unit that keeps it plain (seconds, bytes, frames)")
            }
            return .number(number)
        case .string(let text)?:
            try checkString(text, named: name)
            return .string(text)
        default:
            throw ProtocolError(
                .badRequest, "figure \"\(name)\" must be a number, a string, true/false or null",
                hint: "send each figure as a field of its own, like \"frames\": 121, \"steps\": 40")
        }
    }
}
