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
        return Target(segments: segments, query: parts.count > 1 ? formFields(parts[1]) : [])
    }

    /// `a=1&b=2`, decoded: a query, or a form body (`application/x-www-form-urlencoded`).
    static func formFields(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let kv: [String] = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                let plain = $0.replacingOccurrences(of: "+", with: " ")
                return plain.removingPercentEncoding ?? plain
            }
            return (kv[0], kv.count > 1 ? kv[1] : "")
        }
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
                if s[4] == "paths-info" { return (.pathsInfo, repo, nil) }
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
        let target = Self.parse(request.target)
        let s = target.segments
        // paths-info is the one POST the hub answers, and it answers nothing else.
        let allowed = request.kind == .pathsInfo ? ["POST"] : ["GET", "HEAD"]
        guard allowed.contains(request.method) else {
            return .error(405, code: nil, "Method not allowed", headers: [("Allow", allowed.joined(separator: ", "))])
        }
        let range = ignoreRange ? nil : request.range
        switch request.listener {
        case .cdn:
            guard s.count == 4, s[0] == "lfs" else { return .error(404, code: nil, "Not found") }
            return cdn(repo: repos["\(s[1])/\(s[2])"], sha256: s[3], target: target, range: range, now: now)
        case .hub:
            if s.count >= 4, s[0] == "api", s[1] == "models" {
                let id = "\(s[2])/\(s[3])"
                if let denied = access(id, repos[id], request, content: false) { return denied }
                guard let repo = repos[id] else { return .error(404, code: "RepoNotFound", "Repository not found") }
                if s.count == 4 { return revision(repo, "main", target) }
                if s[4] == "revision", let (rev, rest) = Self.revision(s[5...]), rest.isEmpty {
                    return revision(repo, rev, target)
                }
                if s[4] == "tree", let (rev, rest) = Self.revision(s[5...]) {
                    if let raw = options.rawTrees[id] { return rawTree(raw, request: request, target: target) }
                    return tree(repo, rev, folder: rest.joined(separator: "/"), request: request, target: target)
                }
                if s[4] == "paths-info", let (rev, rest) = Self.revision(s[5...]), rest.isEmpty {
                    return pathsInfo(repo, rev, request: request)
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
    func access(_ id: String, _ repo: TestRepo?, _ request: RecordedRequest, content: Bool) -> HubResponse? {
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
                    "Access to model \(id) is restricted and you are not in the authorized list. "
                        + "Visit \(endpoint)/\(id) to ask for access.")
            }
        }
        return nil
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (as Python's
    /// `quote(text, safe="")`).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `path` encoded for a URL, `/` kept.
    static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }
}
