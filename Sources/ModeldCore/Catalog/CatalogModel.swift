/// One `[[model]]` of the catalog: a model the daemon keeps, and what a person or the
/// fallback advisor needs to know to choose it.
public struct CatalogModel: Sendable, Equatable, Identifiable {
    public var id: String
    public var repo: String
    public var revision = "main"
    public var tasks: [String] = []
    public var sizes: [String] = []
    public var minVRAMGB = 0
    public var quality = 0.5
    public var autoDownload = false
    public var priority = Priority.normal
    public var keep = false
    public var include: [String] = []
    public var exclude: [String] = []
    /// The repository's size as the catalog knows it before any manifest is fetched
    /// (for "this needs 126 GB" before a first pull); the manifest is the truth.
    public var approxSize: ByteSize?
    public var description = ""
    /// Overrides `[updates] policy` for this model.
    public var updatePolicy: UpdatePolicy?

    public init(id: String, repo: String) {
        self.id = id
        self.repo = repo
    }

    /// Whether the model fits a GPU with `vramGB` of memory; nil when that is unknown.
    /// A model with no stated minimum fits anywhere.
    public func fits(vramGB: Int?) -> Bool? {
        minVRAMGB == 0 ? true : vramGB.map { $0 >= minVRAMGB }
    }

    /// A revision of 40 hex digits pins a commit; anything else is a branch or tag.
    public var pinsCommit: Bool {
        Hex.isCommit(revision)
    }

    /// Letters, digits, `.`, `_`, `-`: safe in a file name, a URL and a journald field.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.first != "." && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// `owner/name`, each part as the hub allows.
    public static func isValidRepo(_ repo: String) -> Bool {
        let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }
    }
}

extension CatalogModel: Codable {
    enum CodingKeys: String, CodingKey {
        case id, repo, revision, tasks, sizes, minVRAMGB = "min_vram_gb", quality
        case autoDownload = "auto_download", priority, keep, include, exclude
        case approxSize = "approx_size", description, updatePolicy = "update_policy"
    }

    /// A drop-in may name a model the layers below already define and set single keys;
    /// a new model needs at least `id` and `repo`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let id = try c.decode(String.self, forKey: .id)
        guard Self.isValidID(id) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c,
                debugDescription: "\"\(id)\" is not a usable model id; use letters, digits, '.', '_' and '-' (at most 64)")
        }
        let below = decoder.configBelow.models.first { $0.id == id }
        let repo = try below.map { try c.decode(.repo, or: $0.repo) } ?? c.decode(String.self, forKey: .repo)
        guard Self.isValidRepo(repo) else {
            throw DecodingError.dataCorruptedError(
                forKey: .repo, in: c, debugDescription: "\"\(repo)\" is not a hub repository; write it as \"owner/name\"")
        }
        let base = below ?? CatalogModel(id: id, repo: repo)
        self = base
        self.repo = repo
        revision = try c.decode(.revision, or: base.revision)
        tasks = try c.decode(.tasks, or: base.tasks)
        sizes = try c.decode(.sizes, or: base.sizes)
        minVRAMGB = try c.decode(.minVRAMGB, or: base.minVRAMGB, in: 0...4096)
        quality = try c.decode(.quality, or: base.quality, in: 0...1)
        autoDownload = try c.decode(.autoDownload, or: base.autoDownload)
        priority = try c.decode(.priority, or: base.priority)
        keep = try c.decode(.keep, or: base.keep)
        include = try c.decode(.include, or: base.include)
        exclude = try c.decode(.exclude, or: base.exclude)
        approxSize = try c.decodeIfPresent(ByteSize.self, forKey: .approxSize) ?? base.approxSize
        description = try c.decode(.description, or: base.description)
        updatePolicy = try c.decodeIfPresent(UpdatePolicy.self, forKey: .updatePolicy) ?? base.updatePolicy
        if revision.isEmpty || revision.contains("..") || revision.hasPrefix("/") {
            throw DecodingError.dataCorruptedError(
                forKey: .revision, in: c, debugDescription: "\"\(revision)\" is not a branch, tag or commit")
        }
    }
}
