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

/// `evict`: what was removed, and what stayed because another model uses it.
public struct EvictResult: Codable, Sendable, Equatable {
    public var model: String
    public var freedBytes: Int64
    public var removedFiles: Int
    public var sharedKept: [String]

    public init(model: String, freedBytes: Int64, removedFiles: Int, sharedKept: [String]) {
        self.model = model
        self.freedBytes = freedBytes
        self.removedFiles = removedFiles
        self.sharedKept = sharedKept
    }

    enum CodingKeys: String, CodingKey {
        case model, freedBytes = "freed_bytes", removedFiles = "removed_files", sharedKept = "shared_kept"
    }
}
