/// `subscribe`'s arguments and result: which events the connection will carry.
/// A topic is a prefix of event names (`model` matches `model.state`); no topics or
/// models means every event.
public struct Subscription: Codable, Sendable, Equatable {
    public var topics: [String]?
    public var models: [String]?

    public init(topics: [String]? = nil, models: [String]? = nil) {
        self.topics = topics
        self.models = models
    }

    public func matches(_ event: Event) -> Bool {
        let topicMatches = topics.map { prefixes in
            prefixes.isEmpty || prefixes.contains { event.name == $0 || event.name.hasPrefix($0 + ".") || $0 == "*" }
        } ?? true
        let modelMatches = models.map { ids in ids.isEmpty || event.model.map(ids.contains) ?? true } ?? true
        return topicMatches && modelMatches
    }
}
