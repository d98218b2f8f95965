import ModeldProtocol
import Synchronization

/// Verifications waiting to run, merged per model: a whole-model check absorbs file
/// checks, repeated file checks merge, and a deep request stays deep. Bounded by the
/// catalog's size, however many events the watcher sends.
final class VerificationQueue: Sendable {
    enum Scope: Sendable, Equatable {
        case wholeModel(deep: Bool)
        case files(Set<String>)
    }

    struct Request: Sendable, Equatable {
        var model: String
        var scope: Scope
        var source: IntegritySource
    }

    private let pending = Mutex<[Request]>([])
    /// Requests waiting for a time (a retry after backoff), moved to `pending` when due.
    private let deferred = Mutex<[(due: ContinuousClock.Instant, request: Request)]>([])
    private let wake: AsyncStream<Void>.Continuation
    /// Ticks when there is something to take; a burst of requests is one tick.
    let wakeups: AsyncStream<Void>

    init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds `request`, merged with what is queued for its model; `first` puts it ahead of
    /// every other model (a service waiting in `acquire`).
    func enqueue(_ request: Request, first: Bool = false) {
        pending.withLock { queue in
            var merged = request
            if let index = queue.firstIndex(where: { $0.model == request.model }) {
                merged = Self.merge(queue.remove(at: index), request)
                if !first {
                    queue.insert(merged, at: index)
                    return
                }
            }
            if first { queue.insert(merged, at: 0) } else { queue.append(merged) }
        }
        wake.yield()
    }

    /// Enqueues `request` once `delay` has passed (see `promoteDue`).
    func enqueue(_ request: Request, after delay: Duration) {
        deferred.withLock { $0.append((ContinuousClock.now + delay, request)) }
    }

    /// Moves the deferred requests whose time has come into the queue.
    func promoteDue() {
        let now = ContinuousClock.now
        let due = deferred.withLock { deferred in
            let due = deferred.filter { $0.due <= now }.map(\.request)
            deferred.removeAll { $0.due <= now }
            return due
        }
        for request in due { enqueue(request) }
    }

    func next() -> Request? {
        pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func finish() { wake.finish() }

    static func merge(_ a: Request, _ b: Request) -> Request {
        switch (a.scope, b.scope) {
        case (.wholeModel(let deepA), .wholeModel(let deepB)):
            return Request(model: a.model, scope: .wholeModel(deep: deepA || deepB), source: b.source)
        case (.wholeModel, .files):
            return a
        case (.files, .wholeModel):
            return b
        case (.files(let pathsA), .files(let pathsB)):
            return Request(model: a.model, scope: .files(pathsA.union(pathsB)), source: b.source)
        }
    }
}
