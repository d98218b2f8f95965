import Foundation

/// The Hugging Face hub's HTTP API as modeld uses it (../shared/reference/hf-hub.md):
/// URLs to ask, and what the answers mean. Pure: the requests are made elsewhere.
public enum HubAPI {
    /// `{E}/api/models/{repo}/revision/{rev}`: which commit a branch, tag or commit names.
    public static func revisionURL(endpoint: String, repo: String, revision: String) -> String {
        "\(endpoint)/api/models/\(repo)/revision/\(encodeRevision(revision))"
    }

    /// `{E}/api/models/{repo}/tree/{commit}?recursive=true`: the first page of the file list.
    public static func treeURL(endpoint: String, repo: String, commit: String) -> String {
        "\(endpoint)/api/models/\(repo)/tree/\(encodeRevision(commit))?recursive=true"
    }

    /// `{E}/{repo}/resolve/{commit}/{path}`: a file's bytes, by exact commit.
    public static func resolveURL(endpoint: String, repo: String, commit: String, path: String) -> String {
        let encodedPath = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: .unreservedURL) ?? String($0) }
            .joined(separator: "/")
        return "\(endpoint)/\(repo)/resolve/\(encodeRevision(commit))/\(encodedPath)"
    }

    /// A revision is percent-encoded with no safe characters: `refs/pr/1` → `refs%2Fpr%2F1`.
    public static func encodeRevision(_ revision: String) -> String {
        revision.addingPercentEncoding(withAllowedCharacters: .unreservedURL) ?? revision
    }

    /// The commit in a `/revision/` answer.
    public static func commit(fromRevision body: Data) throws(ManifestError) -> String {
        struct Answer: Decodable { var sha: String? }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: body), let sha = answer.sha else {
            throw .malformed("the revision answer has no \"sha\"")
        }
        guard Hex.isCommit(sha) else { throw .malformed("\"\(sha)\" is not a commit id") }
        return sha.lowercased()
    }

    /// The files of one page of a tree listing; directories are skipped, and every path
    /// and digest is checked before it can name anything on disk.
    public static func files(fromTreePage body: Data) throws(ManifestError) -> [ManifestFile] {
        let entries: [HubTreeEntry]
        do {
            entries = try JSONDecoder().decode([HubTreeEntry].self, from: body)
        } catch {
            throw .malformed("the tree listing is not a list of entries: \(error)")
        }
        var files: [ManifestFile] = []
        for entry in entries where entry.type == "file" {
            let path = try ManifestPath.validate(entry.path)
            let digest: FileDigest?
            if let lfs = entry.lfs {
                digest = (lfs.oid ?? lfs.sha256).flatMap { FileDigest(kind: .sha256, hex: $0) }
            } else {
                digest = entry.oid.flatMap { FileDigest(kind: .gitBlobSHA1, hex: $0) }
            }
            guard let digest else { throw .malformed("\(path) has no usable digest") }
            guard let size = entry.lfs?.size ?? entry.size, size >= 0 else { throw .malformed("\(path) has no size") }
            files.append(ManifestFile(path: path, size: size, digest: digest))
        }
        try refuseDuplicates(files)
        try refuseImpossibleSizes(files)
        return files
    }

    /// A path listed twice (a broken mirror, overlapping pages) would make the manifest
    /// mean two things: refused.
    public static func refuseDuplicates(_ files: [ManifestFile]) throws(ManifestError) {
        var seen = Set<String>()
        for file in files where !seen.insert(file.path).inserted {
            throw .malformed("\(file.path) is listed twice")
        }
    }

    /// The most a manifest's files may add up to: 1 EiB, past any disk. A hostile
    /// listing's sizes (2^63 - 1 each) would otherwise overflow, and stop the daemon in,
    /// the sums made of them: the bytes a pull needs, plus copies of files to patch, plus
    /// the disk reserve.
    public static let largestTotalSize: Int64 = 1 << 60

    public static func refuseImpossibleSizes(_ files: [ManifestFile]) throws(ManifestError) {
        var total: Int64 = 0
        for file in files {
            // Compared before adding, so the check itself cannot overflow.
            guard file.size <= largestTotalSize - total else {
                throw .malformed("its files add up to more than \(largestTotalSize) bytes (\(file.path) is listed with \(file.size))")
            }
            total += file.size
        }
    }

    /// The `rel="next"` URL of a `Link` header, if any.
    public static func nextPage(link: String?) -> String? {
        guard let link else { return nil }
        for part in link.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">"),
                pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" })
            else { continue }
            return String(target.dropFirst().dropLast())
        }
        return nil
    }

    /// What a non-2xx answer means, with the next step for a person.
    public static func failure(status: Int, errorCode: String?, message: String?, repo: String, revision: String) -> HubFailure {
        let detail = message.map { ": \($0)" } ?? ""
        switch (status, errorCode) {
        case (_, "GatedRepo"), (403, _):
            return HubFailure(
                kind: .gated, message: "\(repo) is gated and this token may not read it (HTTP \(status))\(detail)",
                hint: "accept the conditions on the model's hub page, then set HF_TOKEN (or [hub] token_file) for the daemon and reload")
        case (_, "RevisionNotFound"):
            return HubFailure(
                kind: .notFound, message: "\(repo) has no revision '\(revision)'\(detail)",
                hint: "check revision = in the model's [[model]] entry")
        case (_, "EntryNotFound"):
            return HubFailure(kind: .notFound, message: "a file of \(repo) is not on the hub\(detail)", hint: "the manifest may be stale: modelctl verify")
        case (401, _), (_, "RepoNotFound"), (404, _):
            return HubFailure(
                kind: .notFound, message: "the hub does not know \(repo), or it is private (HTTP \(status))\(detail)",
                hint: "check repo = in the catalog; for a private or gated repo set HF_TOKEN for the daemon")
        case _ where RetryPolicy.retriedStatuses.contains(status):
            return HubFailure(kind: .transient, message: "the hub answered HTTP \(status)\(detail)", hint: "it will be retried; HF_ENDPOINT or [hub] mirrors can name another server")
        default:
            return HubFailure(kind: .hubError, message: "the hub answered HTTP \(status)\(detail)", hint: "check HF_ENDPOINT / [hub] endpoint")
        }
    }
}

/// A request to the hub that did not give what was asked.
public struct HubFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The network or the server failed for now: worth retrying.
        case transient
        case gated
        case notFound
        case hubError
        /// No network call was allowed (`HF_HUB_OFFLINE`).
        case offline
    }

    public var kind: Kind
    public var message: String
    public var hint: String

    public init(kind: Kind, message: String, hint: String) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}

extension CharacterSet {
    /// RFC 3986 unreserved characters: everything else is percent-encoded.
    static let unreservedURL = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
