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

    /// Where modeld keeps a blob's bytes while they are fetched or patched: under a name
    /// no other tool reads (huggingface_hub 0.x resumes from `blobs/<hash>.incomplete`),
    /// in the repo's own folder, so publishing it stays one rename on one filesystem and
    /// `hf cache rm` of the repo takes it too. Not in a folder of the store's root:
    /// `scan_cache_dir()` calls every folder there but `.locks` a broken repo.
    public func partial(_ repo: String, _ digest: FileDigest) -> String { partialsFolder(repo) + "/" + digest.hex }
    public func partialsFolder(_ repo: String) -> String { repoFolder(repo) + "/" + Self.partialsFolderName }
    public static let partialsFolderName = ".modeld-partial"

    /// The in-progress name modeld used before partials moved out of `blobs/`; read only
    /// to migrate what an older version left.
    public func legacyPartial(_ repo: String, _ digest: FileDigest) -> String { blob(repo, digest) + ".incomplete" }

    /// huggingface_hub's lock for a blob: `.locks/models--<org>--<name>/<hash>.lock`.
    public func lock(_ repo: String, _ digest: FileDigest) -> String {
        root + "/.locks/" + Self.folderName(repo: repo) + "/" + digest.hex + ".lock"
    }
    public func tree(_ repo: String, _ commit: String) -> String { treesFolder(repo) + "/" + commit + ".json" }

    /// The relative target of a snapshot symlink: `../../blobs/<hash>`, one more `../`
    /// per folder the file sits in.
    public static func blobLinkTarget(path: String, digest: FileDigest) -> String {
        let depth = path.split(separator: "/").count - 1
        return String(repeating: "../", count: 2 + depth) + "blobs/" + digest.hex
    }
}
