import ModeldCore

/// Where a model's listing (revision and tree) is asked: the endpoint, then each mirror
/// in order, as file downloads go (``ServerRotation``), so a pull that starts while the
/// site's mirror is down gets its file list from the hub. The token goes to the endpoint
/// only: a mirror is another party.
public struct ListingServers: Sendable {
    public var endpoint: String
    public var mirrors: [String]
    public var token: String?

    public init(endpoint: String, mirrors: [String], token: String?) {
        self.endpoint = endpoint
        self.mirrors = mirrors
        self.token = token
    }

    /// `question`'s answer from the first server that gives one. Any failure moves on:
    /// one that another server would not fix (a repo missing everywhere) costs one more
    /// request, and a failure at the endpoint alone says nothing of the mirrors.
    public func ask<Answer>(
        about repo: String, _ question: (ManifestFetcher) throws(HubFailure) -> Answer
    ) throws(HubFailure) -> Answer {
        var rotation = ServerRotation([endpoint] + mirrors)
        while true {
            let fetcher = ManifestFetcher(endpoint: rotation.current, token: rotation.currentIsEndpoint ? token : nil)
            do {
                return try question(fetcher)
            } catch {
                // One server: its own failure, as it always read.
                guard rotation.servers.count > 1 else { throw error }
                guard rotation.refuse(error) else { throw rotation.refusal(of: "the file list of \(repo)") }
            }
        }
    }
}
