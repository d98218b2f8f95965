import Foundation

/// What `hf download --local-dir` (huggingface_hub ≥ 0.23) writes beside each file it
/// downloaded: `.cache/huggingface/download/<path>.metadata`, three lines — the commit,
/// the etag (the SHA-256 of an LFS file, the git blob id of another) and the time of the
/// download. It names the commit the folder came from; it vouches for no byte.
public struct LocalDirMetadata: Sendable, Equatable {
    public var commit: String
    public var etag: String

    public init(commit: String, etag: String) {
        self.commit = commit.lowercased()
        self.etag = etag
    }

    /// Nil for a file that is not such metadata (fewer lines, no commit on the first).
    public init?(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2, Hex.isCommit(lines[0]) else { return nil }
        self.init(commit: lines[0], etag: lines[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }

    /// The folder the metadata lives in, relative to the local dir.
    public static let folder = ".cache/huggingface/download"
    public static let suffix = ".metadata"

    /// The file a metadata file describes, relative to the local dir; nil for another file.
    public static func describedFile(_ relativePath: String) -> String? {
        guard relativePath.hasPrefix(folder + "/"), relativePath.hasSuffix(suffix) else { return nil }
        return String(relativePath.dropFirst(folder.count + 1).dropLast(suffix.count))
    }

    /// The commit most files name: one `hf download` writes one commit for all, and
    /// a folder downloaded twice over names the later one on most files.
    public static func commit(namedBy metadata: some Collection<LocalDirMetadata>) -> String? {
        var counts: [String: Int] = [:]
        for entry in metadata { counts[entry.commit, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }
}
