import Foundation

/// One line of an HTTP response head, as libcurl hands them to a header callback.
enum HeaderLine: Equatable {
    /// `HTTP/1.1 206 Partial Content`, `HTTP/2 302`: a new response begins.
    case status(Int)
    /// `Name: value`, the name lower-cased.
    case field(name: String, value: String)
    /// The blank line that ends a head, or anything unreadable.
    case other

    init(_ line: String) {
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2)
            self = parts.count >= 2 ? Int(parts[1]).map(HeaderLine.status) ?? .other : .other
        } else if let colon = line.firstIndex(of: ":") {
            self = .field(
                name: line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
        } else {
            self = .other
        }
    }
}
