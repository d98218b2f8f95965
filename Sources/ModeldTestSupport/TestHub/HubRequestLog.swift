import Synchronization

/// One request the test hub received, and what it answered.
public struct RecordedRequest: Sendable, CustomStringConvertible {
    /// What the request was for, as the hub understood it.
    public enum Kind: String, Sendable {
        /// `/api/models/{repo}[/revision/{rev}]`.
        case revision
        /// `/api/models/{repo}/tree/{rev}[/{path}]`.
        case tree
        /// `POST /api/models/{repo}/paths-info/{rev}`.
        case pathsInfo
        /// `/{repo}/resolve/{rev}/{path}` answered with a redirect or an error.
        case resolve
        /// A request answered with a file's bytes: the CDN, `resolve-cache`, or `resolve`
        /// of a regular file when the hub does not redirect those.
        case download
        case other
    }

    /// Numbers the requests of one hub from 0, in arrival order.
    public let sequence: Int
    public let listener: TestHub.Listener
    public let method: String
    /// Path and query, as sent.
    public let target: String
    /// `target` without the query.
    public var path: String { String(target.prefix { $0 != "?" }) }
    /// Every header, in order, as sent.
    public let headers: [(name: String, value: String)]
    /// The request's body (empty but for a POST).
    public let body: [UInt8]
    public let kind: Kind
    /// `org/name`, when the request concerned a repo.
    public let repo: String?
    /// The repo file the request concerned (resolve and download requests).
    public let file: String?
    /// The fault the request met, if any.
    public internal(set) var fault: HubFault?
    /// The status sent (0 until the head is sent, and for `.disconnect`).
    public internal(set) var status = 0
    /// Body bytes written to the connection so far.
    public internal(set) var bodyBytesSent = 0
    /// The response went out whole (false: still going, or cut).
    public internal(set) var finished = false

    init(
        sequence: Int, listener: TestHub.Listener, method: String, target: String,
        headers: [(name: String, value: String)], body: [UInt8], kind: Kind, repo: String?, file: String?
    ) {
        self.sequence = sequence
        self.listener = listener
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.kind = kind
        self.repo = repo
        self.file = file
    }

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var host: String? { header("Host") }
    public var authorization: String? { header("Authorization") }
    public var range: String? { header("Range") }

    public var description: String {
        "#\(sequence) \(listener) \(method) \(target)"
            + (range.map { " Range: \($0)" } ?? "") + (authorization == nil ? "" : " (auth)")
            + " → \(status) \(bodyBytesSent) B" + (finished ? "" : " (unfinished)") + (fault.map { " [\($0)]" } ?? "")
    }
}

/// Every request a test hub received, for assertions; safe to read from any thread.
public final class HubRequestLog: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var next = 0
        var bytesByPath: [String: Int] = [:]
    }
    private let state = Mutex(State())

    init() {}

    /// Every request so far, in arrival order (those under way included).
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    public func requests(on listener: TestHub.Listener) -> [RecordedRequest] {
        requests.filter { $0.listener == listener }
    }

    /// Body bytes sent for `path` (without query), over every request.
    public func bodyBytesSent(path: String) -> Int { state.withLock { $0.bytesByPath[path] ?? 0 } }

    /// Body bytes sent for the file `file` (redirects and listings excluded).
    public func bodyBytesSent(file: String, in repo: String? = nil) -> Int {
        requests.filter { $0.kind == .download && $0.file == file && (repo == nil || $0.repo == repo) }
            .reduce(0) { $0 + $1.bodyBytesSent }
    }

    /// Body bytes sent by both listeners, everything included.
    public var totalBodyBytesSent: Int { state.withLock { $0.bytesByPath.values.reduce(0, +) } }

    /// Forgets everything recorded so far.
    public func clear() {
        state.withLock {
            $0.requests.removeAll()
            $0.bytesByPath.removeAll()
        }
    }

    /// Records a new request; `make` gets its sequence number.
    func begin(_ make: (Int) -> RecordedRequest) -> RecordedRequest {
        state.withLock { state in
            let request = make(state.next)
            state.next += 1
            state.requests.append(request)
            return request
        }
    }

    func update(_ sequence: Int, _ change: (inout RecordedRequest) -> Void) {
        state.withLock { state in
            guard let index = state.requests.lastIndex(where: { $0.sequence == sequence }) else { return }
            change(&state.requests[index])
        }
    }

    func addBody(_ count: Int, to sequence: Int, path: String) {
        state.withLock { state in
            state.bytesByPath[path, default: 0] += count
            if let index = state.requests.lastIndex(where: { $0.sequence == sequence }) {
                state.requests[index].bodyBytesSent += count
            }
        }
    }
}
