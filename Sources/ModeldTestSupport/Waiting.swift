import Foundation

/// Waits for a condition by checking it every few milliseconds: the test moves on the
/// moment it holds, and fails with `what` when it does not within `timeout`.
public func waitUntil(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(10), _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.01)
    }
    if try condition() { return }
    throw TestSupportError("timed out after \(timeout) waiting for \(what())")
}
