/// Something an operator can run, why, and what it frees: the suggestions of `disk.low`
/// and the recommendations of `health`.
public struct Recommendation: Codable, Sendable, Equatable {
    public var command: String
    public var why: String
    public var freesBytes: Int64?

    public init(command: String, why: String, freesBytes: Int64? = nil) {
        self.command = command
        self.why = why
        self.freesBytes = freesBytes
    }

    enum CodingKeys: String, CodingKey { case command, why, freesBytes = "frees_bytes" }
}
