import Synchronization

/// A way for the test hub to misbehave on one request.
public enum HubFault: Sendable, Equatable, CustomStringConvertible {
    /// Answer with this status instead (an error body; `Retry-After: seconds` when given).
    case status(Int, retryAfter: Int? = nil)
    /// Send the head and `bytes` bytes of the body, then close the connection.
    case resetAfter(bytes: Int)
    /// Send `afterBytes` bytes of the body, send nothing for `for`, then go on.
    case stall(afterBytes: Int, for: Duration)
    /// Send `afterBytes` bytes of the body, then nothing until the test opens `until`.
    case hold(afterBytes: Int, until: HubGate)
    /// Send the body at about `bytesPerSecond`.
    case throttle(bytesPerSecond: Int)
    /// Wait `Duration` before sending the head (a slow server, a metadata timeout).
    case delay(Duration)
    /// Serve corrupted bytes (one byte in the middle of the body flipped) with the
    /// right length and headers.
    case wrongBytes
    /// Answer a `Range` request with `200` and the whole body.
    case ignoreRange
    /// Answer a `Range` request with a 206 for the range `by` bytes further on, its
    /// `Content-Range` saying so (a confused proxy).
    case shiftedRange(by: Int)
    /// Answer with `bytes` more body than asked for, under the `Content-Range` asked for.
    case longerBody(bytes: Int)
    /// Close the connection without answering.
    case disconnect

    public var description: String {
        switch self {
        case .status(let code, let retryAfter): "status(\(code)\(retryAfter.map { ", retryAfter: \($0)" } ?? ""))"
        case .resetAfter(let bytes): "resetAfter(bytes: \(bytes))"
        case .stall(let bytes, let duration): "stall(afterBytes: \(bytes), for: \(duration))"
        case .hold(let bytes, _): "hold(afterBytes: \(bytes))"
        case .throttle(let rate): "throttle(bytesPerSecond: \(rate))"
        case .delay(let duration): "delay(\(duration))"
        case .wrongBytes: "wrongBytes"
        case .ignoreRange: "ignoreRange"
        case .shiftedRange(let bytes): "shiftedRange(by: \(bytes))"
        case .longerBody(let bytes): "longerBody(bytes: \(bytes))"
        case .disconnect: "disconnect"
        }
    }
}

/// Which requests a fault waits for. A string literal is `.path(_:)`.
public struct FaultTarget: Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let description: String
    let matches: @Sendable (RecordedRequest) -> Bool

    public init(_ description: String, _ matches: @escaping @Sendable (RecordedRequest) -> Bool) {
        self.description = description
        self.matches = matches
    }

    public init(stringLiteral path: String) { self = .path(path) }

    /// The next request, whatever it is.
    public static let any = FaultTarget("any request") { _ in true }

    /// Requests for exactly `path` (as sent, without the query), on either listener.
    public static func path(_ path: String) -> FaultTarget {
        FaultTarget("path \(path)") { $0.path == path }
    }

    /// Requests on one listener (`.cdn`: every LFS download).
    public static func listener(_ listener: TestHub.Listener) -> FaultTarget {
        FaultTarget("\(listener) listener") { $0.listener == listener }
    }

    /// `GET /api/models/{repo}/revision/…` (and `/api/models/{repo}`).
    public static func revision(of repo: String? = nil) -> FaultTarget {
        FaultTarget("revision of \(repo ?? "any repo")") { $0.kind == .revision && (repo == nil || $0.repo == repo) }
    }

    /// `GET /api/models/{repo}/tree/…`, every page.
    public static func tree(of repo: String? = nil) -> FaultTarget {
        FaultTarget("tree of \(repo ?? "any repo")") { $0.kind == .tree && (repo == nil || $0.repo == repo) }
    }

    /// The hub's `resolve` request for `file` (the redirect, for LFS files).
    public static func resolve(_ file: String, in repo: String? = nil) -> FaultTarget {
        FaultTarget("resolve \(file)") { $0.kind == .resolve && $0.file == file && (repo == nil || $0.repo == repo) }
    }

    /// The request that answers with the bytes of `file`: the CDN for an LFS file, the
    /// hub for a regular one (whether reached by the redirect or directly).
    public static func download(_ file: String, in repo: String? = nil) -> FaultTarget {
        FaultTarget("download \(file)") { $0.kind == .download && $0.file == file && (repo == nil || $0.repo == repo) }
    }
}

/// The faults a test has planned, consumed in order: each request takes the first
/// planned fault whose target matches it, so "two 503s then success" is two entries.
public final class HubFaults: Sendable {
    private let planned = Mutex<[(target: FaultTarget, fault: HubFault)]>([])

    public init() {}

    /// Plans `fault` for the next `times` requests matching `target`.
    public func enqueue(_ fault: HubFault, for target: FaultTarget = .any, times: Int = 1) {
        planned.withLock { $0 += Array(repeating: (target, fault), count: times) }
    }

    /// Forgets every fault not yet used.
    public func clear() { planned.withLock { $0.removeAll() } }

    /// How many planned faults have not met their request yet.
    public var pending: Int { planned.withLock { $0.count } }

    /// Takes the fault for `request`, if one is planned for it.
    func take(for request: RecordedRequest) -> HubFault? {
        planned.withLock { planned in
            guard let index = planned.firstIndex(where: { $0.target.matches(request) }) else { return nil }
            return planned.remove(at: index).fault
        }
    }
}
