/// A model's `include`/`exclude` globs (CONFIG.md), with the Hugging Face client's
/// fnmatch meaning: `*` also crosses `/`, `?` is one character, `[abc]` a set.
public struct FileFilter: Sendable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String], exclude: [String]) {
        self.include = include
        self.exclude = exclude
    }

    /// Empty `include` keeps every file; `exclude` wins over `include`.
    public func keeps(_ path: String) -> Bool {
        (include.isEmpty || include.contains { Self.matches(path, $0) }) && !exclude.contains { Self.matches(path, $0) }
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        matches(Array(text), 0, Array(pattern), 0)
    }

    private static func matches(_ text: [Character], _ t: Int, _ pattern: [Character], _ p: Int) -> Bool {
        var t = t
        var p = p
        while p < pattern.count {
            switch pattern[p] {
            case "*":
                // Collapse runs of '*'; then try every split point.
                while p < pattern.count, pattern[p] == "*" { p += 1 }
                if p == pattern.count { return true }
                for start in t...text.count where matches(text, start, pattern, p) { return true }
                return false
            case "?":
                guard t < text.count else { return false }
            case "[":
                guard t < text.count, let (matched, next) = matchSet(text[t], pattern, p) else { return false }
                guard matched else { return false }
                p = next
                t += 1
                continue
            default:
                guard t < text.count, text[t] == pattern[p] else { return false }
            }
            t += 1
            p += 1
        }
        return t == text.count
    }

    /// `[abc]`, `[a-z]`, `[!abc]`: whether `c` is in the set, and the index after `]`.
    private static func matchSet(_ c: Character, _ pattern: [Character], _ open: Int) -> (Bool, Int)? {
        var i = open + 1
        let negated = i < pattern.count && (pattern[i] == "!" || pattern[i] == "^")
        if negated { i += 1 }
        var found = false
        var first = true
        while i < pattern.count, pattern[i] != "]" || first {
            first = false
            if i + 2 < pattern.count, pattern[i + 1] == "-", pattern[i + 2] != "]" {
                if pattern[i] <= c && c <= pattern[i + 2] { found = true }
                i += 3
            } else {
                if pattern[i] == c { found = true }
                i += 1
            }
        }
        guard i < pattern.count else { return nil }
        return (found != negated, i + 1)
    }
}
