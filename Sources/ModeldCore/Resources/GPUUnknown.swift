/// Why the GPU state could not be read, in words a person can act on. It is shown as
/// "GPU state unknown: <reason>".
public struct GPUUnknown: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { "GPU state unknown: \(reason)" }
}
