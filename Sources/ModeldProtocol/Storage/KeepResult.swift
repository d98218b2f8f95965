/// `keep`, `unkeep`: whether the model is now pinned against cleanup (by `keep` or by
/// the config file's `keep = true`, which `unkeep` cannot undo).
public struct KeepResult: Codable, Sendable, Equatable {
    public var model: String
    public var pinned: Bool

    public init(model: String, pinned: Bool) {
        self.model = model
        self.pinned = pinned
    }
}
