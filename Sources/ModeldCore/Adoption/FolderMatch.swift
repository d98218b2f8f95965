/// How much of a model's manifest one folder of a listing holds, by path and size
/// (nothing hashed): what `adopt --scan` ranks candidate folders by.
public struct FolderMatch: Sendable, Equatable {
    public var files: Int
    public var matchedFiles: Int
    public var bytes: Int64
    public var matchedBytes: Int64

    /// `listing`'s paths are relative to the scanned folder; `folder` is one of its
    /// folders ("" for the scanned folder itself). Costs one lookup per manifest file.
    public init(manifest: Manifest, listing: [String: FolderEntry], folder: String) {
        let prefix = folder.isEmpty ? "" : folder + "/"
        files = manifest.files.count
        bytes = manifest.totalBytes
        let matched = manifest.files.filter { listing[prefix + $0.path]?.size == $0.size }
        matchedFiles = matched.count
        matchedBytes = matched.reduce(0) { $0 + $1.size }
    }

    /// Worth adopting: most of the model's bytes. Most of a model is most of its download
    /// saved; a folder sharing only the small files (a config, a tokenizer) saves nothing
    /// and is most likely another model.
    public var isCandidate: Bool { matchedBytes * 2 > bytes }
}
