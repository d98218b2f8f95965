/// What to do when no model is ready at all: the model to download, its size and the
/// command, or (`model` nil) why there is nothing to download.
public struct SetupAdvice: Sendable, Equatable, Codable {
    public var model: String?
    /// The catalog's approximate size; nil when the catalog does not know it.
    public var sizeBytes: Int64?
    /// A command the person can paste, e.g. `modelctl pull ti2v-5B`.
    public var command: String?
    public var message: String

    public init(model: String? = nil, sizeBytes: Int64? = nil, command: String? = nil, message: String) {
        self.model = model
        self.sizeBytes = sizeBytes
        self.command = command
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case model, sizeBytes = "size_bytes", command, message
    }

    /// Written by hand so absent values appear as `null`, like the rest of the protocol.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(sizeBytes, forKey: .sizeBytes)
        try c.encode(command, forKey: .command)
        try c.encode(message, forKey: .message)
    }
}
