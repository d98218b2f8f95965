/// `update`: one model or every model; `check_only` asks the hub without applying;
/// `now` applies even outside the window and while the model is leased.
public struct UpdateArguments: Codable, Sendable {
    public var model: String?
    public var checkOnly: Bool?
    public var now: Bool?

    public init(model: String? = nil, checkOnly: Bool? = nil, now: Bool? = nil) {
        self.model = model
        self.checkOnly = checkOnly
        self.now = now
    }

    enum CodingKeys: String, CodingKey {
        case model, checkOnly = "check_only", now
    }
}
