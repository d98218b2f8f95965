import Foundation

/// A 206 answer's `Content-Range: bytes <first>-<last>/<total>` (RFC 9110 §14.4), and
/// whether it is the answer to the range asked for. A server (or a caching proxy) that
/// sends other bytes than asked would have them written at the wrong offset.
public struct ContentRange: Sendable, Equatable {
    public var first: Int64
    public var last: Int64
    /// Nil for `*` (the server does not say).
    public var total: Int64?

    public init(first: Int64, last: Int64, total: Int64?) {
        self.first = first
        self.last = last
        self.total = total
    }

    /// Nil when the header is absent or not of that shape.
    public init?(_ header: String?) {
        guard let header else { return nil }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        let bounds = spec[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]), first >= 0, last >= first else {
            return nil
        }
        let total: Int64?
        if spec[1] == "*" {
            total = nil
        } else {
            guard let value = Int64(spec[1]), value > last else { return nil }
            total = value
        }
        self.init(first: first, last: last, total: total)
    }

    /// Why this is not an answer to `requested` of a file of `fileSize` bytes, or nil when
    /// it is. It must start where asked; it may end earlier (the rest is asked for again)
    /// but not later; and a total it names must be the file's size.
    public func mismatch(requested: ByteRange, fileSize: Int64?) -> String? {
        if first != requested.start {
            return "the server sent bytes from \(first) for a request from \(requested.start)"
        }
        if last >= requested.end { return "the server sent bytes up to \(last) for a request up to \(requested.end - 1)" }
        if let total, let fileSize, total != fileSize { return "the server says the file has \(total) bytes, not \(fileSize)" }
        return nil
    }
}
