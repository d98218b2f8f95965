import ModeldCore

/// `doctor`: the daemon's checks of its install, in the order a person reads them.
/// modelctl puts its own (socket, units, protocol) before them.
public struct DoctorResult: Codable, Sendable, Equatable {
    public var checks: [DoctorCheck]

    public init(checks: [DoctorCheck]) { self.checks = checks }

    /// The worst status: what a script's exit status follows.
    public var status: DoctorCheck.Status { checks.map(\.status).max() ?? .ok }
}
