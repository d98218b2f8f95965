/// A blob's identity in the store: its repository and the digest that is its file name
/// (`models--<org>--<name>/blobs/<hex>`). Two catalog entries on one repository that need
/// the same bytes need the same blob, so its transfer is one, whatever model asked.
public struct BlobKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var repo: String
    public var digest: FileDigest

    public init(repo: String, digest: FileDigest) {
        self.repo = repo
        self.digest = digest
    }

    public var description: String { "\(repo)@\(digest.hex.prefix(12))" }

    /// An order for stable action lists (and tests), not a priority.
    public static func < (a: BlobKey, b: BlobKey) -> Bool { (a.repo, a.digest.hex) < (b.repo, b.digest.hex) }
}

extension Manifest {
    /// The blob `file` of this manifest is stored as.
    public func blob(of file: ManifestFile) -> BlobKey { BlobKey(repo: repo, digest: file.digest) }

    /// Whether one of this manifest's files is stored as `blob`.
    public func needs(_ blob: BlobKey) -> Bool { repo == blob.repo && files.contains { $0.digest == blob.digest } }
}
