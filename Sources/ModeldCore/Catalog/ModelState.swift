/// Where a model stands, as PROTOCOL.md names the states.
public enum ModelState: String, Sendable, Codable, CaseIterable {
    /// Every file verified; ready to use.
    case available
    case verifying
    case queued
    case downloading
    case paused
    /// Files absent and nothing queued.
    case missing
    /// Files present but wrong.
    case corrupted
    case repairing
    case updating
    /// Retries spent; the status carries the last error and the manual steps.
    case failed
    /// Not checked yet.
    case unknown
}
