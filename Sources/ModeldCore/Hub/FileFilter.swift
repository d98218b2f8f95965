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

    /// fnmatch without FNM_PATHNAME, iteratively: on a mismatch, only the last `*` is
    /// retried one character further, so no pattern takes more than text × pattern steps.
    static func matches(_ text: String, _ pattern: String) -> Bool {
        let text = Array(text)
        let pattern = Array(pattern)
        var t = 0
        var p = 0
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < pattern.count {
                switch pattern[p] {
                case "*":
                    star = (p, t)
                    p += 1
                    continue
                case "?":
                    t += 1
                    p += 1
                    continue
                case "[":
                    if let (matched, next) = matchSet(text[t], pattern, p) {
                        if matched {
                            t += 1
                            p = next
                            continue
                        }
                    } else if text[t] == "[" {  // An unclosed '[' is itself.
                        t += 1
                        p += 1
                        continue
                    }
                default:
                    if pattern[p] == text[t] {
                        t += 1
                        p += 1
                        continue
                    }
                }
            }
            guard let last = star else { return false }
            star = (last.pattern, last.text + 1)
            p = last.pattern + 1
            t = last.text + 1
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
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
