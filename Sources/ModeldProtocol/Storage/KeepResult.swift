/// `keep`, `unkeep`: whether the model is now pinned against cleanup, and whether the
/// config file pins it (then `unkeep` cannot, and says so).
public struct KeepResult: Codable, Sendable, Equatable {
    public var model: String
    public var pinned: Bool

    public init(model: String, pinned: Bool) {
        self.model = model
        self.pinned = pinned
    }
}
