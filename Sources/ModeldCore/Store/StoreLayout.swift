/// Where things are in a Hugging Face hub cache (STORE.md), so the tools people already
/// use read the store as their own. Pure path arithmetic.
public struct StoreLayout: Sendable, Equatable {
    public var root: String

    public init(root: String) { self.root = root }

    /// `models--Wan-AI--Wan2.2-TI2V-5B`
    public static func folderName(repo: String) -> String {
        "models--" + repo.replacingOccurrences(of: "/", with: "--")
    }

    public func repoFolder(_ repo: String) -> String { root + "/" + Self.folderName(repo: repo) }
    public func blobsFolder(_ repo: String) -> String { repoFolder(repo) + "/blobs" }
    public func blob(_ repo: String, _ digest: FileDigest) -> String { blobsFolder(repo) + "/" + digest.hex }
    public func refsFolder(_ repo: String) -> String { repoFolder(repo) + "/refs" }
    public func ref(_ repo: String, _ revision: String) -> String { refsFolder(repo) + "/" + revision }
    public func snapshotsFolder(_ repo: String) -> String { repoFolder(repo) + "/snapshots" }
    public func snapshot(_ repo: String, _ commit: String) -> String { snapshotsFolder(repo) + "/" + commit }
    public func snapshotFile(_ repo: String, _ commit: String, _ path: String) -> String {
        snapshot(repo, commit) + "/" + path
    }
    public func treesFolder(_ repo: String) -> String { repoFolder(repo) + "/trees" }
    public func tree(_ repo: String, _ commit: String) -> String { treesFolder(repo) + "/" + commit + ".json" }

    /// The relative target of a snapshot symlink: `../../blobs/<hash>`, one more `../`
    /// per folder the file sits in.
    public static func blobLinkTarget(path: String, digest: FileDigest) -> String {
        let depth = path.split(separator: "/").count - 1
        return String(repeating: "../", count: 2 + depth) + "blobs/" + digest.hex
    }
}
