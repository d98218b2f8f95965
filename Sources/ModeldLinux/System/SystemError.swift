import Glibc

/// A failed system call: which one, on what, and the errno it set.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call and its object, as a person would search for it: `connect(/run/modeld/modeld.sock)`.
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

/// The convention every syscall wrapper follows: retry on EINTR, read errno at once,
/// throw a typed error naming the call.
@discardableResult
func syscall<T: FixedWidthInteger>(_ operation: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code != EINTR { throw SystemError(operation(), errno: code) }
    }
}
