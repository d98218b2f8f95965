/// `metrics`: the Prometheus text exposition.
public struct MetricsResult: Codable, Sendable, Equatable {
    public var text: String
    public init(text: String) { self.text = text }
}

/// `reload`: which keys changed (`downloads.bytes_per_s`, `model.ti2v-5B.keep`), and
/// which of those take effect only at the next restart (the store's paths, the socket).
public struct ReloadResult: Codable, Sendable, Equatable {
    public var changed: [String]
    public var restartNeeded: [String]

    public init(changed: [String], restartNeeded: [String] = []) {
        self.changed = changed
        self.restartNeeded = restartNeeded
    }

    enum CodingKeys: String, CodingKey { case changed, restartNeeded = "restart_needed" }
}
