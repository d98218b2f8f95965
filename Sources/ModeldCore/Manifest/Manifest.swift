/// The files of one model at one commit, as the hub lists them: the truth a store is
/// verified against. Kept in the store as `trees/<commit>.json` so a restart without
/// network still knows every file, size and digest.
public struct Manifest: Sendable, Equatable, Codable {
    public var repo: String
    /// 40 hex digits.
    public var commit: String
    public var files: [ManifestFile]

    public init(repo: String, commit: String, files: [ManifestFile]) {
        self.repo = repo
        self.commit = commit
        self.files = files
    }

    public var totalBytes: Int64 { files.reduce(0) { $0 + $1.size } }

    public func file(_ path: String) -> ManifestFile? { files.first { $0.path == path } }
}

/// One file of a manifest.
public struct ManifestFile: Sendable, Hashable, Codable {
    /// Relative to the snapshot, validated by `ManifestPath`.
    public var path: String
    public var size: Int64
    public var digest: FileDigest

    public init(path: String, size: Int64, digest: FileDigest) {
        self.path = path
        self.size = size
        self.digest = digest
    }
}

/// A manifest that cannot be trusted or read.
public enum ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsafePath(path: String, reason: String)
    case malformed(String)

    public var description: String {
        switch self {
        case .unsafePath(let path, let reason):
            "the manifest names a file that would escape the snapshot (\(reason)): \(path.debugDescription)"
        case .malformed(let what): "the manifest cannot be read: \(what)"
        }
    }
}
