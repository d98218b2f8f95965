/// Whether the URL a `/resolve` request ended at can be asked again, directly, for the
/// same file's later pieces: the hub answers an LFS file with a redirect to its CDN, a URL
/// signed for a while (an hour on huggingface.co), so each further piece through
/// `/resolve` would cost a round trip to the hub for nothing. Only a URL on another host
/// is kept: a redirect on the hub's own host (a regular file's `resolve-cache`) wants the
/// token the CDN must never see.
public enum SignedURL {
    public static func isReusable(final: String, requested: String) -> Bool {
        guard let finalHost = authority(final), let requestedHost = authority(requested) else { return false }
        return finalHost != requestedHost
    }

    /// `host[:port]` of an http(s) URL, lower-cased; nil for anything else.
    static func authority(_ url: String) -> String? {
        let lowered = url.lowercased()
        guard let scheme = ["https://", "http://"].first(where: lowered.hasPrefix) else { return nil }
        let rest = lowered.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // Credentials before an @ are not the host.
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return host.isEmpty ? nil : host
    }

    /// Answers of a CDN to a signed URL it no longer honours (expired, revoked, moved): the
    /// hub signs a new one, and nothing counts as a failure.
    public static func isStale(status: Int) -> Bool { [400, 401, 403, 404, 410].contains(status) }
}
