/// A model repo on the test hub: commits of files, and branches pointing at them.
///
/// ```swift
/// var repo = TestRepo("org/name", files: [TestFile("config.json", text: "{}"), TestFile("model.safetensors", size: 1 << 20)])
/// let next = repo.commit([TestFile("config.json", text: "{\"v\": 2}")])   // moves main
/// repo.branches["refs/pr/1"] = next.id
/// ```
public struct TestRepo: Sendable {
    /// `org/name`.
    public let id: String
    /// Gated repos list their files to anyone, but serve them only with a token
    /// (401 `GatedRepo` without one, 403 `GatedRepo` for a token not in `approvedTokens`).
    public var gated: Bool
    /// The tokens approved for a gated repo; nil: every token the hub accepts.
    public var approvedTokens: Set<String>?
    /// A private repo does not exist for requests without a valid token (401 `RepoNotFound`).
    public var isPrivate: Bool
    /// Every commit by id.
    public private(set) var commits: [String: TestCommit] = [:]
    /// Branch (or `refs/pr/N`) → commit id.
    public var branches: [String: String] = [:]

    /// A repo whose `main` holds `files`.
    public init(_ id: String, files: [TestFile], gated: Bool = false, isPrivate: Bool = false) {
        self.id = id
        self.gated = gated
        self.isPrivate = isPrivate
        commit(files, message: "initial commit")
    }

    /// Adds a commit of `files` (the whole tree, not a change) and points `branch` at it.
    @discardableResult
    public mutating func commit(_ files: [TestFile], to branch: String = "main", message: String = "") -> TestCommit {
        let commit = TestCommit(files, message: message + "\n" + (branches[branch] ?? ""))
        commits[commit.id] = commit
        branches[branch] = commit.id
        return commit
    }

    /// The commit `revision` names: a branch, or a full commit id.
    public func commit(for revision: String) -> TestCommit? {
        if let id = branches[revision] { return commits[id] }
        return commits[revision.lowercased()]
    }

    /// The commit `main` points at.
    public var main: TestCommit { commit(for: "main")! }

    /// The file `path` at `revision` (default `main`).
    public func file(_ path: String, at revision: String = "main") -> TestFile? {
        commit(for: revision)?.file(path)
    }

    /// Folder name in an HF cache: `models--org--name`.
    public var cacheFolderName: String { "models--" + id.split(separator: "/").joined(separator: "--") }
}

/// One commit: a whole tree of files under a deterministic 40-hex id.
public struct TestCommit: Sendable {
    public let id: String
    /// Sorted by path.
    public let files: [TestFile]

    /// The id is the SHA-1 of the message and the sorted `path NUL blob-id` list, so the
    /// same files and message give the same commit in every run.
    public init(_ files: [TestFile], message: String = "") {
        self.files = files.sorted { $0.path < $1.path }
        var text = "commit\n\(message)\n"
        for file in self.files { text += "\(file.path)\0\(file.gitBlobID)\n" }
        id = TestDigests.sha1(Array(text.utf8))
    }

    public func file(_ path: String) -> TestFile? { files.first { $0.path == path } }

    /// Every folder holding a file, parents first (`a`, `a/b`), sorted.
    public var directories: [String] {
        var result = Set<String>()
        for file in files {
            var parts = file.path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                result.insert(parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        return result.sorted()
    }

    /// A stable id for folder `path` (not git's tree hash, but unique to its contents).
    public func directoryID(_ path: String) -> String {
        let inside = files.filter { $0.path.hasPrefix(path + "/") }.map { "\($0.path)\0\($0.gitBlobID)\n" }.joined()
        return TestDigests.sha1(Array("tree \(path)\n\(inside)".utf8))
    }
}
