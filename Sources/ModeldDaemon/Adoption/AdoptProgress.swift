import Foundation
import ModeldProtocol
import Synchronization

/// An adoption's hashing progress, published as `adopt.progress` at most four times a
/// second (the hasher reports every few MB, from its own threads).
final class AdoptProgress: Sendable {
    private struct State {
        var filesDone = 0
        var bytesDone: Int64 = 0
        /// Bytes of the file being hashed now.
        var current: Int64 = 0
        var lastPublished = ContinuousClock.now - .seconds(1)
    }

    let model: String
    let filesTotal: Int
    let bytesTotal: Int64
    private let events: EventBus
    private let state = Mutex(State())

    init(model: String, filesTotal: Int, bytesTotal: Int64, events: EventBus) {
        self.model = model
        self.filesTotal = filesTotal
        self.bytesTotal = bytesTotal
        self.events = events
    }

    /// `bytes` of the current file are hashed.
    func reading(_ bytes: Int64) { publish(force: false) { $0.current = bytes } }

    /// One more file is done with (adopted or not), `size` bytes.
    func fileDone(_ size: Int64) {
        publish(force: true) { state in
            state.filesDone += 1
            state.bytesDone += size
            state.current = 0
        }
    }

    private func publish(force: Bool, _ change: (inout State) -> Void) {
        let event: Event? = state.withLock { state in
            change(&state)
            let now = ContinuousClock.now
            guard force || now - state.lastPublished >= .milliseconds(250) else { return nil }
            state.lastPublished = now
            return Event(.adoptProgress(
                model: model, filesDone: state.filesDone, filesTotal: filesTotal,
                bytesDone: min(bytesTotal, state.bytesDone + state.current), bytesTotal: bytesTotal))
        }
        if let event { events.publish(event) }
    }
}
