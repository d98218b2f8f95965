import ModeldCore

/// `status`: the models, the store and the download queue at a glance.
public struct StatusResult: Codable, Sendable, Equatable {
    public var models: [ModelStatus]
    public var store: Store
    public var downloads: Downloads
    /// When no model is ready at all: which model to set up first, and how.
    public var setup: SetupAdvice?

    public init(models: [ModelStatus], store: Store, downloads: Downloads, setup: SetupAdvice? = nil) {
        self.models = models
        self.store = store
        self.downloads = downloads
        self.setup = setup
    }

    public struct Store: Codable, Sendable, Equatable {
        public var path: String
        /// Bytes free to the daemon on the store's filesystem; absent when it cannot be read.
        public var freeBytes: Int64?
        public init(path: String, freeBytes: Int64?) {
            self.path = path
            self.freeBytes = freeBytes
        }
        enum CodingKeys: String, CodingKey { case path, freeBytes = "free_bytes" }
    }

    public struct Downloads: Codable, Sendable, Equatable {
        /// The global limit in bytes per second; 0 is none.
        public var bytesPerSecond: Int64
        public var active: Int
        public init(bytesPerSecond: Int64, active: Int) {
            self.bytesPerSecond = bytesPerSecond
            self.active = active
        }
        enum CodingKeys: String, CodingKey { case bytesPerSecond = "bytes_per_s", active }
    }
}
