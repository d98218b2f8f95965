import Synchronization

/// When a control connection has been idle long enough to close (`[daemon]
/// idle_timeout`): counted from the last line the client sent or the last answer,
/// whichever is later; never while a request is in flight (an `acquire` that waits) or
/// once the connection carries events. Idle connections are closed so that clients which
/// forgot theirs do not hold descriptors and connection slots forever.
final class IdleClock: Sendable {
    typealias Instant = ContinuousClock.Instant

    enum Verdict: Equatable {
        case close
        /// Not idle long enough (or busy): ask again then.
        case lookAgain(at: Instant)
        /// Never closed for idleness: no timeout, or a subscriber.
        case never
    }

    private struct State {
        var lastActivity: Instant
        var inFlight = false
        var subscribed = false
    }

    /// nil: never idle (a timeout of 0).
    private let timeout: Duration?
    private let state: Mutex<State>

    init(timeout: Duration, now: Instant = .now) {
        self.timeout = timeout > .zero ? timeout : nil
        state = Mutex(State(lastActivity: now))
    }

    /// A line came that is not a request (a blank line).
    func heard(at now: Instant = .now) { state.withLock { $0.lastActivity = now } }

    func requestBegan(at now: Instant = .now) {
        state.withLock {
            $0.lastActivity = now
            $0.inFlight = true
        }
    }

    func requestEnded(at now: Instant = .now) {
        state.withLock {
            $0.lastActivity = now
            $0.inFlight = false
        }
    }

    func subscribed() { state.withLock { $0.subscribed = true } }

    func verdict(at now: Instant = .now) -> Verdict {
        guard let timeout else { return .never }
        return state.withLock { state in
            if state.subscribed { return .never }
            if state.inFlight { return .lookAgain(at: now + timeout) }
            let deadline = state.lastActivity + timeout
            return now >= deadline ? .close : .lookAgain(at: deadline)
        }
    }
}
