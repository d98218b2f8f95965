/// A configuration that cannot be used: where (file, line, key), what is wrong and what
/// is allowed. The daemon exits with status 78 (EX_CONFIG) on one at start-up.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The dotted key, as a person would look for it: `downloads.max_retries`, `model[2].repo`.
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `Config/modeld.toml:12: downloads.max_retries: must be from 0 to 100, got 500`
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return [place, key, message].compactMap { $0 }.joined(separator: ": ")
    }
}
