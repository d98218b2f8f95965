import Foundation

/// `POST /api/models/{repo}/paths-info/{rev}`: the tree's entries for named paths, which
/// olah asks before serving each file (for its size and LFS hash).
extension HubRouter {
    /// The entries of the paths the body names (`paths`, a form field repeated or a JSON
    /// string or array), in the order named; a path the commit lacks is left out, as the
    /// hub does.
    func pathsInfo(_ repo: TestRepo, _ revision: String, request: RecordedRequest) -> HubResponse {
        guard let commit = repo.commit(for: revision) else {
            return .error(404, code: "RevisionNotFound", "Invalid rev id: \(revision)")
        }
        guard let paths = Self.requestedPaths(request), !paths.isEmpty else {
            return .error(400, code: nil, "paths is required")
        }
        let directories = Set(commit.directories)
        var seen: Set<String> = []
        let entries = paths.filter { seen.insert($0).inserted }.compactMap { path -> TreeEntry? in
            if let file = commit.file(path) { return TreeEntry(file: file) }
            return directories.contains(path) ? TreeEntry(directory: path, in: commit) : nil
        }
        return .json(entries)
    }

    /// huggingface_hub posts a form; other clients post JSON. Nil when the body is neither.
    static func requestedPaths(_ request: RecordedRequest) -> [String]? {
        let body = String(decoding: request.body, as: UTF8.self)
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return formFields(Substring(body)).filter { $0.0 == "paths" }.map(\.1)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return nil }
        if let one = object["paths"] as? String { return [one] }
        return object["paths"] as? [String]
    }
}
