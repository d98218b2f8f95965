/// One file of a test repo's commit: its bytes, and the names the hub gives it.
///
/// As on the real hub, an LFS file is stored in git as a small pointer text, so its
/// `gitBlobID` (the tree's `oid`, the siblings' `blobId`) is the git blob id of that
/// pointer, and its content is named by `sha256` (`lfs.oid` / `lfs.sha256`). A regular
/// file is named by the git blob id of its content.
public struct TestFile: Sendable {
    public let path: String
    public let content: [UInt8]
    public let isLFS: Bool
    /// SHA-256 of the content: set for LFS files (regular files are not hashed so).
    public let sha256: String?
    /// The git blob id the hub reports: of the content, or of the LFS pointer.
    public let gitBlobID: String
    /// The LFS pointer text (`version …\noid sha256:…\nsize …\n`), for LFS files.
    public let pointer: [UInt8]?

    /// `lfs` defaults to `TestFile.isLFSByDefault(path)`.
    public init(_ path: String, _ content: [UInt8], lfs: Bool? = nil) {
        self.path = path
        self.content = content
        isLFS = lfs ?? Self.isLFSByDefault(path)
        if isLFS {
            let sha256 = TestDigests.sha256(content)
            let pointer = Array("version https://git-lfs.github.com/spec/v1\noid sha256:\(sha256)\nsize \(content.count)\n".utf8)
            self.sha256 = sha256
            self.pointer = pointer
            gitBlobID = TestDigests.gitBlobID(pointer)
        } else {
            sha256 = nil
            pointer = nil
            gitBlobID = TestDigests.gitBlobID(content)
        }
    }

    public init(_ path: String, text: String, lfs: Bool? = nil) { self.init(path, Array(text.utf8), lfs: lfs) }

    /// `size` bytes of a deterministic pseudo-random pattern drawn from `seed`.
    public init(_ path: String, size: Int, seed: UInt64 = 1, lfs: Bool? = nil) {
        self.init(path, Self.pattern(size: size, seed: seed), lfs: lfs)
    }

    public var size: Int { content.count }

    /// What the hub's ETag names and the HF cache calls the blob: `blobs/<etag>`.
    public var etag: String { sha256 ?? gitBlobID }

    /// The files the Wan repos keep in LFS: weights, `spiece.model`, `tokenizer.json`.
    public static func isLFSByDefault(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return [".safetensors", ".pth", ".bin"].contains { name.hasSuffix($0) }
            || name == "spiece.model" || name == "tokenizer.json"
    }

    /// Bytes from a xorshift generator: incompressible, reproducible, cheap.
    public static func pattern(size: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                state ^= state &<< 13
                state ^= state &>> 7
                state ^= state &<< 17
                var word = state
                for _ in 0..<min(8, raw.count - offset) {
                    raw[offset] = UInt8(truncatingIfNeeded: word)
                    word &>>= 8
                    offset += 1
                }
            }
        }
        return bytes
    }
}
