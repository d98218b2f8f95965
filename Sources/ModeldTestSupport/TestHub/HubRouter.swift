import Foundation

/// A response the test hub will send: status, headers, and the slice of `body` to send
/// (a HEAD request gets the same headers and no body).
struct HubResponse {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var range: Range<Int> = 0..<0

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], range: Range<Int>? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.range = range ?? 0..<body.count
    }

    /// An error as the hub sends it: `X-Error-Code`, `X-Error-Message` and `{"error": …}`.
    static func error(_ status: Int, code: String?, _ message: String, headers: [(String, String)] = []) -> HubResponse {
        let json = (try? JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])) ?? Data()
        var all = [("Content-Type", "application/json; charset=utf-8"), ("X-Error-Message", message)] + headers
        if let code { all.append(("X-Error-Code", code)) }
        return HubResponse(status: status, headers: all, body: Array(json))
    }

    static func json(_ value: some Encodable, headers: [(String, String)] = []) -> HubResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)).map(Array.init) ?? []
        return HubResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: body)
    }
}

/// The hub's protocol as pure functions of a request and the repos: no I/O, so every
/// rule of `hf-hub.md` is in one place.
struct HubRouter: Sendable {
    let endpoint: String
    let cdnEndpoint: String
    let options: TestHub.Options
    /// Signs CDN URLs, so a tampered or expired one is refused as S3 would.
    let secret: String

    /// A request's target, taken apart.
    struct Target {
        /// Percent-decoded path segments.
        var segments: [String]
        var query: [(String, String)]
        func parameter(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
    }

    static func parse(_ target: String) -> Target {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let segments = parts[0].split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        var query: [(String, String)] = []
        for pair in parts.count > 1 ? parts[1].split(separator: "&") : [] {
            let kv: [String] = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                let plain = $0.replacingOccurrences(of: "+", with: " ")
                return plain.removingPercentEncoding ?? plain
            }
            query.append((kv[0], kv.count > 1 ? kv[1] : ""))
        }
        return Target(segments: segments, query: query)
    }

    /// A revision from the front of `segments`: one (encoded) segment, or an unencoded
    /// `refs/pr/N`; returns it and what follows.
    static func revision(_ segments: ArraySlice<String>) -> (String, ArraySlice<String>)? {
        guard let first = segments.first else { return nil }
        if first == "refs", segments.count >= 3 {
            let rest = segments.dropFirst()
            return ("refs/\(rest.first!)/\(rest.dropFirst().first!)", segments.dropFirst(3))
        }
        return (first, segments.dropFirst())
    }

    /// What `target` asks for: kind, repo and file (for the log and fault targets).
    func classify(listener: TestHub.Listener, target: String, repos: [String: TestRepo]) -> (RecordedRequest.Kind, String?, String?) {
        let parsed = Self.parse(target)
        let s = parsed.segments
        switch listener {
        case .cdn:
            guard s.count == 4, s[0] == "lfs" else { return (.other, nil, nil) }
            return (.download, "\(s[1])/\(s[2])", parsed.parameter("filename"))
        case .hub:
            if s.count >= 4, s[0] == "api", s[1] == "models" {
                let repo = "\(s[2])/\(s[3])"
                if s.count == 4 || s[4] == "revision" { return (.revision, repo, nil) }
                if s[4] == "tree" { return (.tree, repo, nil) }
                return (.other, repo, nil)
            }
            if s.count >= 7, s[0] == "api", s[1] == "resolve-cache", s[2] == "models" {
                return (.download, "\(s[3])/\(s[4])", s[6...].joined(separator: "/"))
            }
            if s.count >= 5, s[2] == "resolve", let (revision, path) = Self.revision(s[3...]), !path.isEmpty {
                let repo = "\(s[0])/\(s[1])"
                let file = path.joined(separator: "/")
                let regular = repos[repo]?.commit(for: revision)?.file(file).map { !$0.isLFS } ?? false
                return (regular && !options.redirectRegularFiles ? .download : .resolve, repo, file)
            }
            return (.other, nil, nil)
        }
    }

    func respond(to request: RecordedRequest, repos: [String: TestRepo], ignoreRange: Bool, now: Date = Date()) -> HubResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .error(405, code: nil, "Method not allowed", headers: [("Allow", "GET, HEAD")])
        }
        let target = Self.parse(request.target)
        let s = target.segments
        let range = ignoreRange ? nil : request.range
        switch request.listener {
        case .cdn:
            guard s.count == 4, s[0] == "lfs" else { return .error(404, code: nil, "Not found") }
            return cdn(repo: repos["\(s[1])/\(s[2])"], sha256: s[3], target: target, range: range, now: now)
        case .hub:
            if s.count >= 4, s[0] == "api", s[1] == "models" {
                let id = "\(s[2])/\(s[3])"
                if let denied = access(id, repos[id], request, content: false) { return denied }
                let repo = repos[id]!
                if s.count == 4 { return revision(repo, "main", target) }
                if s[4] == "revision", let (rev, rest) = Self.revision(s[5...]), rest.isEmpty {
                    return revision(repo, rev, target)
                }
                if s[4] == "tree", let (rev, rest) = Self.revision(s[5...]) {
                    return tree(repo, rev, folder: rest.joined(separator: "/"), request: request, target: target)
                }
                return .error(404, code: nil, "Not found")
            }
            if s.count >= 7, s[0] == "api", s[1] == "resolve-cache", s[2] == "models" {
                return resolve(
                    repos, "\(s[3])/\(s[4])", s[5], s[6...].joined(separator: "/"), request: request, range: range,
                    redirect: false, now: now)
            }
            if s.count >= 5, s[2] == "resolve", let (rev, path) = Self.revision(s[3...]), !path.isEmpty {
                return resolve(
                    repos, "\(s[0])/\(s[1])", rev, path.joined(separator: "/"), request: request, range: range,
                    redirect: options.redirectRegularFiles, now: now)
            }
            return .error(404, code: nil, "Not found")
        }
    }

    // MARK: Access

    /// The refusal for `request` on repo `id`, or nil when it may go on.
    private func access(_ id: String, _ repo: TestRepo?, _ request: RecordedRequest, content: Bool) -> HubResponse? {
        var token: String?
        if let authorization = request.authorization {
            guard authorization.hasPrefix("Bearer "), options.tokens.contains(String(authorization.dropFirst(7))) else {
                return .error(401, code: nil, "Invalid credentials in Authorization header")
            }
            token = String(authorization.dropFirst(7))
        }
        guard let repo, !repo.isPrivate || token != nil else {
            // Anonymous requests cannot tell a missing repo from a private one.
            return .error(
                token == nil ? 401 : 404, code: "RepoNotFound",
                "Repository not found for url: \(endpoint)\(request.target).")
        }
        if content, repo.gated {
            guard let token else {
                return .error(
                    401, code: "GatedRepo",
                    "Access to model \(id) is restricted. You must have access to it and be authenticated to access it. Please log in.")
            }
            guard repo.approvedTokens?.contains(token) ?? true else {
                return .error(
                    403, code: "GatedRepo",
                    "Access to model \(id) is restricted and you are not in the authorized list. Visit \(endpoint)/\(id) to ask for access.")
            }
        }
        return nil
    }

    // MARK: Listing

    private struct LFSInfo: Encodable {
        var sha256: String?
        var oid: String?
        var size: Int
        var pointerSize: Int
    }

    private struct Sibling: Encodable {
        var rfilename: String
        var size: Int?
        var blobId: String?
        var lfs: LFSInfo?
    }

    private enum Gated: Encodable {
        case no, manual
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .no: try container.encode(false)
            case .manual: try container.encode("manual")
            }
        }
    }

    private struct ModelInfo: Encodable {
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

    private func revision(_ repo: TestRepo, _ revision: String, _ target: Target) -> HubResponse {
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

    private struct TreeEntry: Encodable {
        var type: String
        var oid: String
        var size: Int?
        var path: String
        var lfs: LFSInfo?
    }

    private func tree(_ repo: TestRepo, _ revision: String, folder: String, request: RecordedRequest, target: Target) -> HubResponse {
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
        var entries = directories.filter(wanted).map { TreeEntry(type: "directory", oid: commit.directoryID($0), path: $0) }
        entries += commit.files.filter { wanted($0.path) }.map { file in
            TreeEntry(
                type: "file", oid: file.gitBlobID, size: file.size, path: file.path,
                lfs: file.sha256.map { LFSInfo(oid: $0, size: file.size, pointerSize: file.pointer?.count ?? 0) })
        }
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

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `path` encoded for a URL, `/` kept.
    static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }

    // MARK: Files

    private func resolve(
        _ repos: [String: TestRepo], _ id: String, _ revision: String, _ path: String, request: RecordedRequest,
        range: String?, redirect: Bool, now: Date
    ) -> HubResponse {
        if let denied = access(id, repos[id], request, content: true) { return denied }
        guard let commit = repos[id]!.commit(for: revision) else {
            return .error(404, code: "RevisionNotFound", "Invalid rev id: \(revision)")
        }
        let commitHeader = ("X-Repo-Commit", commit.id)
        guard let file = commit.file(path) else {
            return .error(404, code: "EntryNotFound", "Entry not found", headers: [commitHeader])
        }
        if let sha256 = file.sha256 {
            let expires = Int(now.timeIntervalSince1970) + Int(options.cdnURLLifetime.components.seconds)
            let location = "\(cdnEndpoint)/lfs/\(id)/\(sha256)?filename=\(Self.encode(file.path))&expires=\(expires)"
                + "&signature=\(signature(id, sha256, expires))"
            return HubResponse(
                status: 302,
                headers: [
                    ("Location", location), commitHeader, ("X-Linked-Etag", "\"\(sha256)\""),
                    ("X-Linked-Size", "\(file.size)"), ("ETag", "\"\(sha256)\""),
                ])
        }
        if redirect {
            let location = "/api/resolve-cache/models/\(id)/\(commit.id)/\(Self.encodePath(file.path))"
                + "?etag=\(Self.encode("\"\(file.gitBlobID)\""))"
            return HubResponse(status: 307, headers: [("Location", location), commitHeader])
        }
        return serve(file.content, etag: file.gitBlobID, range: range, headers: [commitHeader])
    }

    private func signature(_ repo: String, _ sha256: String, _ expires: Int) -> String {
        String(TestDigests.sha256(Array("\(secret)|\(repo)|\(sha256)|\(expires)".utf8)).prefix(32))
    }

    private func cdn(repo: TestRepo?, sha256: String, target: Target, range: String?, now: Date) -> HubResponse {
        let denied = { (code: String, message: String) in
            HubResponse(
                status: 403, headers: [("Content-Type", "application/xml")],
                body: Array("<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>".utf8))
        }
        guard let repo, let expires = target.parameter("expires").flatMap({ Int($0) }),
            target.parameter("signature") == signature(repo.id, sha256, expires)
        else { return denied("SignatureDoesNotMatch", "The request signature we calculated does not match") }
        guard Double(expires) >= now.timeIntervalSince1970 else { return denied("AccessDenied", "Request has expired") }
        guard let file = repo.commits.values.lazy.flatMap(\.files).first(where: { $0.sha256 == sha256 }) else {
            return HubResponse(status: 404, body: Array("<Error><Code>NoSuchKey</Code></Error>".utf8))
        }
        let name = (target.parameter("filename") ?? file.path).split(separator: "/").last.map(String.init) ?? ""
        return serve(
            file.content, etag: sha256, range: range,
            headers: [
                ("Content-Disposition", "inline; filename*=UTF-8''\(Self.encode(name)); filename=\"\(name)\";"),
                ("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT"),
            ])
    }

    /// A file's bytes, whole or the one range asked for.
    private func serve(_ content: [UInt8], etag: String, range: String?, headers: [(String, String)]) -> HubResponse {
        let common = [("Content-Type", "application/octet-stream"), ("ETag", "\"\(etag)\""), ("Accept-Ranges", "bytes")] + headers
        switch Self.byteRange(range, size: content.count) {
        case .whole:
            return HubResponse(status: 200, headers: common, body: content)
        case .unsatisfiable:
            return HubResponse(status: 416, headers: common + [("Content-Range", "bytes */\(content.count)")])
        case .part(let part):
            return HubResponse(
                status: 206,
                headers: common + [("Content-Range", "bytes \(part.lowerBound)-\(part.upperBound - 1)/\(content.count)")],
                body: content, range: part)
        }
    }

    enum ByteRange: Equatable {
        case whole, unsatisfiable
        case part(Range<Int>)
    }

    /// One `Range: bytes=N-`, `N-M` or `-S` against `size`; anything else (several
    /// ranges, bad syntax) is ignored, as servers may.
    static func byteRange(_ header: String?, size: Int) -> ByteRange {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return .whole }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2 else { return .whole }
        if bounds[0].isEmpty {
            guard let suffix = Int(bounds[1]) else { return .whole }
            return suffix == 0 || size == 0 ? .unsatisfiable : .part(max(0, size - suffix)..<size)
        }
        guard let start = Int(bounds[0]), start >= 0 else { return .whole }
        let last = bounds[1].isEmpty ? Int.max : Int(bounds[1])
        guard let last, last >= start else { return .whole }
        return start >= size ? .unsatisfiable : .part(start..<min(last, size - 1) + 1)
    }
}
