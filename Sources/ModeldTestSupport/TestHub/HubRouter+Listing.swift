import Foundation

/// The listings: `/api/models/{repo}[/revision/{rev}]` and `/api/models/{repo}/tree/{rev}[/{path}]`.
extension HubRouter {
    struct LFSInfo: Encodable {
        var sha256: String?
        var oid: String?
        var size: Int
        var pointerSize: Int
    }

    struct Sibling: Encodable {
        var rfilename: String
        var size: Int?
        var blobId: String?
        var lfs: LFSInfo?
    }

    enum Gated: Encodable {
        case no, manual
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .no: try container.encode(false)
            case .manual: try container.encode("manual")
            }
        }
    }

    struct ModelInfo: Encodable {
        var _id: String
        var id: String
        var modelId: String
        var author: String
        var sha: String
        var lastModified = "2025-01-01T00:00:00.000Z"
        var createdAt = "2025-01-01T00:00:00.000Z"
        var `private`: Bool
        var gated: Gated
        var disabled = false
        var downloads = 0
        var likes = 0
        var tags: [String] = []
        var siblings: [Sibling]
        var usedStorage: Int
    }

    func revision(_ repo: TestRepo, _ revision: String, _ target: Target) -> HubResponse {
        guard let commit = repo.commit(for: revision) else {
            return .error(404, code: "RevisionNotFound", "Invalid rev id: \(revision)")
        }
        let blobs = ["true", "1", "True"].contains(target.parameter("blobs") ?? "")
        let siblings = commit.files.map { file in
            blobs
                ? Sibling(
                    rfilename: file.path, size: file.size, blobId: file.gitBlobID,
                    lfs: file.sha256.map { LFSInfo(sha256: $0, size: file.size, pointerSize: file.pointer?.count ?? 0) })
                : Sibling(rfilename: file.path)
        }
        return .json(
            ModelInfo(
                _id: String(TestDigests.sha1(Array(repo.id.utf8)).prefix(24)), id: repo.id, modelId: repo.id,
                author: String(repo.id.prefix { $0 != "/" }), sha: commit.id, private: repo.isPrivate,
                gated: repo.gated ? .manual : .no, siblings: siblings,
                usedStorage: commit.files.reduce(0) { $0 + $1.size }))
    }

    /// An entry of the tree listing, as `paths-info` answers it too.
    struct TreeEntry: Encodable {
        var type: String
        var oid: String
        var size: Int?
        var path: String
        var lfs: LFSInfo?

        init(file: TestFile) {
            type = "file"
            oid = file.gitBlobID
            size = file.size
            path = file.path
            lfs = file.sha256.map { LFSInfo(oid: $0, size: file.size, pointerSize: file.pointer?.count ?? 0) }
        }

        init(directory: String, in commit: TestCommit) {
            type = "directory"
            oid = commit.directoryID(directory)
            path = directory
        }
    }

    func tree(_ repo: TestRepo, _ revision: String, folder: String, request: RecordedRequest, target: Target) -> HubResponse {
        guard let commit = repo.commit(for: revision) else {
            return .error(404, code: "RevisionNotFound", "Invalid rev id: \(revision)")
        }
        let directories = commit.directories
        guard folder.isEmpty || directories.contains(folder) else {
            return .error(404, code: "EntryNotFound", "\(folder) does not exist on \"\(revision)\"")
        }
        let recursive = ["true", "1", "True"].contains(target.parameter("recursive") ?? "")
        let prefix = folder.isEmpty ? "" : folder + "/"
        func wanted(_ path: String) -> Bool {
            path.hasPrefix(prefix) && (recursive || !path.dropFirst(prefix.count).contains("/"))
        }
        var entries = directories.filter(wanted).map { TreeEntry(directory: $0, in: commit) }
        entries += commit.files.filter { wanted($0.path) }.map(TreeEntry.init(file:))
        entries.sort { $0.path < $1.path }

        var start = 0
        if let cursor = target.parameter("cursor") {
            guard let offset = Self.offset(fromCursor: cursor), offset <= entries.count else {
                return .error(400, code: nil, "Invalid cursor")
            }
            start = offset
        }
        let end = min(entries.count, start + max(1, options.treePageSize))
        var headers: [(String, String)] = []
        if end < entries.count {
            let query = target.query.filter { $0.0 != "cursor" }.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }
                + ["cursor=\(Self.cursor(forOffset: end))"]
            headers.append(("Link", "<\(endpoint)\(request.path)?\(query.joined(separator: "&"))>; rel=\"next\""))
        }
        return .json(Array(entries[start..<end]), headers: headers)
    }

    /// Cursors are opaque to clients, as the hub's are: hex of `offset:N`.
    static func cursor(forOffset offset: Int) -> String { TestDigests.hex(Array("offset:\(offset)".utf8)) }

    static func offset(fromCursor cursor: String) -> Int? {
        let digits = Array(cursor.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("offset:") else { return nil }
        return Int(text.dropFirst(7))
    }
}
