/// `[hub]`: where models come from. The token itself is never part of the decoded
/// config: it is read from the environment or `token_file` by `ConfigLoader`.
public struct HubSettings: Sendable, Equatable {
    public var endpoint = "https://huggingface.co"
    public var mirrors: [String] = []
    public var tokenFile = ""
    public var offline = false

    public init() {}
}

extension HubSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case endpoint, mirrors, tokenFile = "token_file", offline
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.hub
        let c = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try c.decode(.endpoint, or: below.endpoint)
        // URLs are built as endpoint + "/api/…": one slash.
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        mirrors = try c.decode(.mirrors, or: below.mirrors)
        tokenFile = try c.decode(.tokenFile, or: below.tokenFile)
        offline = try c.decode(.offline, or: below.offline)
        for url in [endpoint] + mirrors where !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw DecodingError.dataCorruptedError(
                forKey: url == endpoint ? .endpoint : .mirrors, in: c,
                debugDescription: "\"\(url)\" is not an http(s) URL")
        }
    }
}
