/// Which server a file's requests go to (STORE.md, Transfers): the endpoint first, then
/// the mirrors in order. A failure worth retrying moves to the next server; a server
/// that refuses the file outright (404, 401/403, another answer no retry fixes) is left
/// out for that file, and the next one is asked at once. Only when every server refused
/// does the file fail, with an error that names each and what it said.
public struct ServerRotation: Sendable {
    public let servers: [String]
    private var index = 0
    private var refused: [(server: String, failure: HubFailure)] = []

    /// `servers`: the endpoint first; never empty. A server listed twice (the endpoint
    /// among the mirrors) is asked once.
    public init(_ servers: [String]) {
        precondition(!servers.isEmpty, "a download needs a server")
        var seen = Set<String>()
        self.servers = servers.filter { seen.insert($0).inserted }
    }

    public var current: String { servers[index] }
    /// The endpoint gets the token; a mirror is another party.
    public var currentIsEndpoint: Bool { index == 0 }

    /// After a failure worth retrying: the next server that has not refused the file.
    public mutating func advance() {
        for step in 1...servers.count {
            let next = (index + step) % servers.count
            if !refused.contains(where: { $0.server == servers[next] }) {
                index = next
                return
            }
        }
    }

    /// The current server refused the file; true when another server is left to ask
    /// (it is current now).
    public mutating func refuse(_ failure: HubFailure) -> Bool {
        refused.append((current, failure))
        guard refused.count < servers.count else { return false }
        advance()
        return true
    }

    /// Every server refused `path`: the endpoint's kind of failure (gated, not found)
    /// and hint, and what each server said.
    public func refusal(of path: String) -> HubFailure {
        let first = refused.first { $0.server == servers[0] } ?? refused[0]
        let said = refused.map { "\($0.server): \($0.failure.message)" }.joined(separator: "; ")
        return HubFailure(kind: first.failure.kind, message: "\(path): every server refused it (\(said))", hint: first.failure.hint)
    }

    /// The servers asked so far, for an error after the retries are spent.
    public var description: String { servers.joined(separator: ", ") }
}
