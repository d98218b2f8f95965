import Foundation

/// `version`: who answers.
public struct VersionResult: Codable, Sendable, Equatable {
    public var `protocol`: Int
    public var version: String
    public var pid: Int32
    public var started: Date

    public init(protocol: Int, version: String, pid: Int32, started: Date) {
        self.protocol = `protocol`
        self.version = version
        self.pid = pid
        self.started = started
    }
}
