/// The stable error codes of PROTOCOL.md; clients branch on these, never on messages.
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    case badRequest = "bad_request"
    case unknownCommand = "unknown_command"
    case unknownModel = "unknown_model"
    case permissionDenied = "permission_denied"
    case tooLarge = "too_large"
    case notReady = "not_ready"
    case conflict
    case noSpace = "no_space"
    case network
    case gated
    case notFound = "not_found"
    case hubError = "hub_error"
    case `internal`
    /// A `reload` whose configuration cannot be used (added to the contract's codes).
    case configInvalid = "config_invalid"
    /// A connection over `[daemon] max_connections`: sent once, then it is closed.
    case tooManyConnections = "too_many_connections"
}
