/// The daemon's whole configuration, as CONFIG.md defines it.
public struct ModeldConfig: Sendable, Equatable {
    public var daemon = DaemonSettings()
    public var hub = HubSettings()
    public var downloads = DownloadSettings()
    public var verify = VerifySettings()
    public var disk = DiskSettings()
    public var updates = UpdateSettings()
    public var usage = UsageSettings()
    public var gpu = GPUSettings()
    public var metrics = MetricsSettings()
    public var models: [CatalogModel] = []
    /// The hub token and where it came from; never decoded from, or printed into, a file.
    public var token: Secret?

    public init() {}

    public func model(_ id: String) -> CatalogModel? { models.first { $0.id == id } }
}

extension ModeldConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case daemon, hub, downloads, verify, disk, updates, usage, gpu, metrics, models = "model"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow
        let c = try decoder.container(keyedBy: CodingKeys.self)
        daemon = try c.decode(.daemon, or: below.daemon)
        hub = try c.decode(.hub, or: below.hub)
        downloads = try c.decode(.downloads, or: below.downloads)
        verify = try c.decode(.verify, or: below.verify)
        disk = try c.decode(.disk, or: below.disk)
        updates = try c.decode(.updates, or: below.updates)
        usage = try c.decode(.usage, or: below.usage)
        gpu = try c.decode(.gpu, or: below.gpu)
        metrics = try c.decode(.metrics, or: below.metrics)
        token = below.token
        models = below.models
        var seen = Set<String>()
        var entries = try c.nestedUnkeyedContainerIfPresent(forKey: .models)
        while var list = entries, !list.isAtEnd {
            let model = try list.decode(CatalogModel.self)
            guard seen.insert(model.id).inserted else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: list.codingPath + [IndexKey(list.currentIndex - 1), CatalogModel.CodingKeys.id],
                    debugDescription: "model \"\(model.id)\" appears twice in this file"))
            }
            if let index = models.firstIndex(where: { $0.id == model.id }) {
                models[index] = model
            } else {
                models.append(model)
            }
            entries = list
        }
    }
}

/// A secret value whose description never shows the value.
public struct Secret: Sendable, Equatable, CustomStringConvertible {
    public var value: String
    /// Where it came from, for people: `HF_TOKEN`, or a file path.
    public var source: String

    public init(value: String, source: String) {
        self.value = value
        self.source = source
    }

    public var description: String { "set (from \(source))" }
}

/// An array position in a coding path.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension KeyedDecodingContainer {
    func nestedUnkeyedContainerIfPresent(forKey key: Key) throws -> UnkeyedDecodingContainer? {
        try contains(key) ? nestedUnkeyedContainer(forKey: key) : nil
    }
}
