/// What a client is told when a request fails: a stable code, one line for people, and
/// the next thing to do. It is also the `error` object on the wire.
public struct ProtocolError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var hint: String?

    public init(_ code: ErrorCode, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message) (\(code.rawValue))\nhint: \($0)" } ?? "\(message) (\(code.rawValue))"
    }
}
