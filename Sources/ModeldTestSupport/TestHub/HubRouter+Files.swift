import Foundation

/// The files: `resolve` on the hub (redirects, regular files), and the CDN.
extension HubRouter {
    func resolve(
        _ repos: [String: TestRepo], _ id: String, _ revision: String, _ path: String, request: RecordedRequest,
        range: String?, redirect: Bool, now: Date
    ) -> HubResponse {
        if let denied = access(id, repos[id], request, content: true) { return denied }
        guard let commit = repos[id]?.commit(for: revision) else {
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

    func signature(_ repo: String, _ sha256: String, _ expires: Int) -> String {
        String(TestDigests.sha256(Array("\(secret)|\(repo)|\(sha256)|\(expires)".utf8)).prefix(32))
    }

    func cdn(repo: TestRepo?, sha256: String, target: Target, range: String?, now: Date) -> HubResponse {
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
    func serve(_ content: [UInt8], etag: String, range: String?, headers: [(String, String)]) -> HubResponse {
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
