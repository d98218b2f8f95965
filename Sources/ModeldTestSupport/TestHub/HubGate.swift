import Synchronization

/// A gate a test opens when it is ready: answers held at it (`HubFault.hold`) go on then,
/// so a transfer stays under way exactly as long as the test needs, whatever the machine's speed.
public final class HubGate: Sendable, Equatable {
    private let state = Mutex<(isOpen: Bool, waiting: [@Sendable () -> Void])>((false, []))

    public init() {}

    /// Lets every held answer go on, and those to come pass at once.
    public func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for resume in waiting { resume() }
    }

    /// Runs `resume` once the gate is open (at once if it is).
    func whenOpen(_ resume: @escaping @Sendable () -> Void) {
        let isOpen = state.withLock { state in
            if !state.isOpen { state.waiting.append(resume) }
            return state.isOpen
        }
        if isOpen { resume() }
    }

    public static func == (a: HubGate, b: HubGate) -> Bool { a === b }
}
