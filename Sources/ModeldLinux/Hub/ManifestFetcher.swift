import Foundation
import ModeldCore

/// Asks the hub which commit a model's revision names and which files it has:
/// `/revision/` then every page of `tree/{commit}?recursive=true`. Blocking.
public struct ManifestFetcher: Sendable {
    public var endpoint: String
    /// Sent only to `endpoint`'s own URLs (the API never redirects elsewhere).
    public var token: String?
    /// A listing longer than this many pages, or bytes, is refused rather than followed
    /// forever or held in memory.
    public var maximumPages = 1000
    public var maximumBytes = 256 << 20

    public init(endpoint: String, token: String?) {
        self.endpoint = endpoint
        self.token = token
    }

    /// The manifest of `revision`, and its tree listing to keep as `trees/<commit>.json`
    /// (in huggingface_hub's format: ``TreeCache``).
    public func fetch(repo: String, revision: String) throws(HubFailure) -> (manifest: Manifest, listing: Data) {
        let commit = try self.commit(repo: repo, revision: revision)
        var files: [ManifestFile] = []
        var entries: [Any] = []
        var next: String? = HubAPI.treeURL(endpoint: endpoint, repo: repo, commit: commit)
        var pages = 0
        var bytes = 0
        while let url = next {
            pages += 1
            guard pages <= maximumPages, url.hasPrefix(endpoint + "/") else {
                throw HubFailure(
                    kind: .hubError, message: "\(repo): the tree listing's pages lead away or never end (\(url))",
                    hint: "check HF_ENDPOINT / [hub] endpoint")
            }
            let page = try get(url, repo, revision)
            bytes += page.body.count
            guard bytes <= maximumBytes else {
                throw HubFailure(kind: .hubError, message: "\(repo): the file list is larger than \(maximumBytes) bytes", hint: "check HF_ENDPOINT / [hub] endpoint")
            }
            do {
                files += try HubAPI.files(fromTreePage: page.body)
            } catch {
                throw HubFailure(kind: .hubError, message: "\(repo)@\(commit): \(error)", hint: "the hub's answer is unusable; report it or try a mirror")
            }
            entries += (try? JSONSerialization.jsonObject(with: page.body) as? [Any]) ?? []
            next = HubAPI.nextPage(link: page.headers["link"])
        }
        do {
            try HubAPI.refuseDuplicates(files)
            try HubAPI.refuseImpossibleSizes(files)
        } catch {
            throw HubFailure(kind: .hubError, message: "\(repo)@\(commit): \(error)", hint: "the hub's answer is unusable; report it or try a mirror")
        }
        let listing: Data
        do {
            listing = try TreeCache.listing(fromHubEntries: try JSONSerialization.data(withJSONObject: entries))
        } catch {
            throw HubFailure(kind: .hubError, message: "\(repo)@\(commit): \(error)", hint: "the hub's answer is unusable; report it or try a mirror")
        }
        return (Manifest(repo: repo, commit: commit, files: files), listing)
    }

    /// The commit `revision` names now: one request (the revision endpoint), none for a
    /// commit id. What an update check asks.
    public func commit(repo: String, revision: String) throws(HubFailure) -> String {
        if Hex.isCommit(revision) { return revision.lowercased() }
        let answer = try get(HubAPI.revisionURL(endpoint: endpoint, repo: repo, revision: revision), repo, revision)
        do {
            return try HubAPI.commit(fromRevision: answer.body)
        } catch {
            throw HubFailure(kind: .hubError, message: "\(repo)@\(revision): \(error)", hint: "check HF_ENDPOINT / [hub] endpoint")
        }
    }

    private func get(_ url: String, _ repo: String, _ revision: String) throws(HubFailure) -> CurlRequest.Response {
        let response: CurlRequest.Response
        do {
            response = try CurlRequest(url: url, bearerToken: url.hasPrefix(endpoint + "/") ? token : nil).perform()
        } catch {
            if error.isUntrustedServer { throw error.untrustedServerFailure }
            throw HubFailure(
                kind: .transient, message: "cannot reach the hub: \(error)",
                hint: "check the network or proxy, HF_ENDPOINT / [hub] endpoint, or set HF_HUB_OFFLINE=1 to use only what is on disk")
        }
        guard (200..<300).contains(response.status) else {
            throw HubAPI.failure(
                status: response.status, errorCode: response.headers["x-error-code"], message: response.headers["x-error-message"],
                repo: repo, revision: revision)
        }
        return response
    }
}
