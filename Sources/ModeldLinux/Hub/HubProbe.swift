import Foundation
import ModeldCore

/// The doctor's questions to the hub, through the client the downloads use: which
/// commit a revision names (and whether the repo is gated), and whether the token may
/// read a file. Short timeouts: a check that waits a minute for a dead hub helps nobody.
/// Blocking.
public struct HubProbe: Sendable {
    public var endpoint: String
    /// Sent only to `endpoint` (the hub), never echoed in a reply.
    public var token: String?
    public var timeoutSeconds = 5

    public init(endpoint: String, token: String?) {
        self.endpoint = endpoint
        self.token = token
    }

    public func revision(repo: String, revision: String) -> HubReply {
        get(HubAPI.revisionURL(endpoint: endpoint, repo: repo, revision: revision), headOnly: false) { body in
            do {
                return .revision(try HubRevisionInfo(revisionAnswer: body))
            } catch {
                return .unreachable("\(endpoint) answered the revision request with something else: \(error)")
            }
        }
    }

    /// A HEAD of the file at `commit`: the hub checks access before it answers or
    /// redirects to the bytes, and no byte is fetched.
    public func file(repo: String, commit: String, path: String) -> HubReply {
        get(HubAPI.resolveURL(endpoint: endpoint, repo: repo, commit: commit, path: path), headOnly: true) { _ in .granted }
    }

    /// The reply to one request; `answered` reads a successful answer's body.
    private func get(_ url: String, headOnly: Bool, answered: (Data) -> HubReply) -> HubReply {
        var request = CurlRequest(url: url, bearerToken: token)
        request.connectTimeout = timeoutSeconds
        request.stallTimeout = timeoutSeconds
        request.headOnly = headOnly
        let response: CurlRequest.Response
        do {
            response = try request.perform()
        } catch {
            return .unreachable("\(error)")
        }
        // A redirect is the hub sending a granted request on to its file servers.
        guard (200..<400).contains(response.status) else {
            return .refused(status: response.status, errorCode: response.headers["x-error-code"], message: response.headers["x-error-message"])
        }
        return answered(response.body)
    }
}
