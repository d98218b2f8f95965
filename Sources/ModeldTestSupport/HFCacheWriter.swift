import Foundation
import Glibc
import ModeldCore

/// Lays out a Hugging Face cache for a test repo's commit exactly as `hf download`
/// would (blobs by hash, `refs/main`, relative snapshot links), in milliseconds.
public enum HFCacheWriter {
    /// Writes `commit` of `repo` under `cache`; returns the repo folder.
    @discardableResult
    public static func write(_ repo: TestRepo, commit: TestCommit? = nil, branch: String = "main", into cache: String) throws -> String {
        let commit = commit ?? repo.main
        let layout = StoreLayout(root: cache)
        for file in commit.files {
            let blob = layout.blob(repo.id, try digest(of: file))
            try FileManager.default.createDirectory(
                atPath: (blob as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: blob) {
                guard FileManager.default.createFile(atPath: blob, contents: Data(file.content)) else {
                    throw TestSupportError("cannot write \(blob)")
                }
            }
            let link = layout.snapshotFile(repo.id, commit.id, file.path)
            try FileManager.default.createDirectory(
                atPath: (link as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(
                atPath: link, withDestinationPath: StoreLayout.blobLinkTarget(path: file.path, digest: try digest(of: file)))
        }
        let ref = layout.ref(repo.id, branch)
        try FileManager.default.createDirectory(atPath: (ref as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(commit.id.utf8).write(to: URL(fileURLWithPath: ref))
        return layout.repoFolder(repo.id)
    }

    /// The digest the manifest gives a test file (and so its blob's name).
    public static func digest(of file: TestFile) throws -> FileDigest {
        let digest = file.sha256.flatMap { FileDigest(kind: .sha256, hex: $0) } ?? FileDigest(kind: .gitBlobSHA1, hex: file.gitBlobID)
        guard let digest else { throw TestSupportError("\(file.path) has no usable digest") }
        return digest
    }

    /// The blob of `path` in the cache.
    public static func blob(_ repo: TestRepo, _ path: String, in cache: String) throws -> String {
        guard let file = repo.file(path) else { throw TestSupportError("\(repo.id) has no \(path)") }
        return StoreLayout(root: cache).blob(repo.id, try digest(of: file))
    }

    /// Overwrites bytes in place, as a disk error or a careless tool would.
    public static func overwrite(_ path: String, at offset: Int64, with bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw TestSupportError("open(\(path)): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else { throw TestSupportError("pwrite(\(path)) wrote \(written)") }
    }
}
