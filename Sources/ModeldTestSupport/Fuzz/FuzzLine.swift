import ModeldProtocol

/// One generated request line and what the daemon must answer to it.
public struct FuzzLine: Sendable {
    public enum Answer: Sendable, Equatable {
        /// A blank line (empty, or a lone `\r` before the newline) is not a request.
        case none
        /// Exactly one response envelope.
        case one(ExpectedID)
        /// `too_large`, then the daemon closes the connection.
        case tooLarge
    }

    public enum ExpectedID: Sendable, Equatable {
        /// The line is a JSON object whose `id` the answer must carry back.
        case echoed(JSONValue)
        /// No `id` could be read (not JSON, not an object, no `id`): the answer has none.
        case absent
        /// An `id` of a kind the protocol does not define (an object, a lone surrogate):
        /// any answer will do.
        case unchecked
    }

    /// Without the newline.
    public var bytes: [UInt8]
    public var answer: Answer
    /// Nothing after this line is answered on its connection: a `subscribe` turns it into
    /// an event stream, `too_large` closes it.
    public var endsConnection: Bool

    public init(_ bytes: [UInt8], answer: Answer, endsConnection: Bool = false) {
        self.bytes = bytes
        self.answer = answer
        self.endsConnection = endsConnection || answer == .tooLarge
    }

    public init(_ text: String, answer: Answer, endsConnection: Bool = false) {
        self.init(Array(text.utf8), answer: answer, endsConnection: endsConnection)
    }

    /// For a failure message: the start of the line, bytes that are not text escaped.
    public var preview: String {
        let head = bytes.prefix(300)
        let text = String(decoding: head, as: UTF8.self).debugDescription
        return bytes.count > head.count ? "\(text)… (\(bytes.count) bytes)" : text
    }
}
