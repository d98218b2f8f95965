/// "did you mean ti2v-5B?" for a model id that is not in the catalog: the same id up
/// to case and punctuation, else the closest within two edits.
public enum ModelNameSuggester {
    public static func suggestion(for wanted: String, among ids: [String]) -> String? {
        // Anyone who can connect may send a 1 MiB name: compare only what could be an id.
        guard wanted.utf8.count <= 128 else { return nil }
        let key = normalized(wanted)
        if let exact = ids.first(where: { normalized($0) == key }) { return exact }
        let scored = ids.map { ($0, normalized($0)) }.filter { abs($0.1.count - key.count) <= 2 }
            .map { ($0.0, distance(key, $0.1)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    private static func normalized(_ id: String) -> [Character] {
        Array(id.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
