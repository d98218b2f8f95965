/// `metrics`: the Prometheus text exposition.
public struct MetricsResult: Codable, Sendable, Equatable {
    public var text: String
    public init(text: String) { self.text = text }
}

/// `reload`: which keys changed (`downloads.bytes_per_s`, `model.ti2v-5B.keep`).
public struct ReloadResult: Codable, Sendable, Equatable {
    public var changed: [String]
    public init(changed: [String]) { self.changed = changed }
}
