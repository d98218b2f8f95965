import Foundation

/// Finds the line on which a key is written in a TOML text, so an error found while
/// decoding (where TOMLKit gives a coding path, not a position) can name the line.
///
/// It understands what config files use: `[table]`, `[[array.of.tables]]`, `key = value`
/// and comments. A key it cannot place falls back to the line of its table.
struct TOMLKeyLocator {
    /// Dotted paths as `ConfigError.key` writes them (`model[1].repo`) → 1-based line.
    private(set) var lines: [String: Int] = [:]

    init(text: String) {
        var table: [String] = []
        var arrayCounts: [String: Int] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[[") {
                let name = Self.header(line, brackets: 2)
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                table = ["\(name)[\(index)]"]
                record(table, number + 1)
            } else if line.hasPrefix("[") {
                table = [Self.header(line, brackets: 1)]
                record(table, number + 1)
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
                record(table + [key], number + 1)
            }
        }
    }

    private static func header(_ line: String, brackets: Int) -> String {
        let inner = line.dropFirst(brackets)
        let end = inner.firstIndex(of: "]") ?? inner.endIndex
        return inner[..<end].trimmingCharacters(in: .whitespaces)
    }

    private mutating func record(_ path: [String], _ line: Int) {
        let key = path.joined(separator: ".")
        if lines[key] == nil { lines[key] = line }
    }

    /// The line of `key`, else of the nearest enclosing table that is written down.
    func line(of key: String) -> Int? {
        var path = key
        while true {
            if let line = lines[path] { return line }
            guard let dot = path.lastIndex(of: ".") else { return nil }
            path = String(path[..<dot])
        }
    }
}
