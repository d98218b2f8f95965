import Foundation

/// nvidia-smi's `--format=csv` output split into named columns.
///
/// nvidia-smi writes a plain comma list, never quoted (no fixture, captured or
/// published, has a quote), with a space after each comma. The header, when present,
/// names the columns, with units in brackets (`memory.total [MiB]`); without one the
/// columns are the fields that were asked for, in order.
struct NvidiaSMITable {
    /// Column keys: lowercased, unit dropped, aliases resolved.
    let columns: [String]
    /// The data lines, blank lines left out.
    let lines: [Substring]

    /// - Parameters:
    ///   - defaultColumns: the fields asked for, used when the output has no header.
    ///   - aliases: other names nvidia-smi prints for the same field (`used_gpu_memory`).
    init(_ text: String, defaultColumns: [String], aliases: [String: String]) {
        var lines = text.split(whereSeparator: \.isNewline).filter {
            !$0.allSatisfy(\.isWhitespace)
        }
        let header = lines.first.map { Self.fields($0) }.flatMap(Self.headerNames)
        if header != nil { lines.removeFirst() }
        self.columns = (header ?? defaultColumns).map { aliases[$0.lowercased()] ?? $0.lowercased() }
        self.lines = lines
    }

    /// A line split at every comma, spaces kept so that text can be joined back exactly.
    static func fields(_ line: Substring) -> [Substring] {
        line.split(separator: ",", omittingEmptySubsequences: false)
    }

    /// The column names if `fields` is a header. A header field is a bare identifier
    /// (`utilization.gpu`, `pci.baseClass`) with an optional unit; a data row always has
    /// at least one field that is not (a number, a UUID, `[N/A]`, a name with spaces).
    static func headerNames(_ fields: [Substring]) -> [String]? {
        var names: [String] = []
        for field in fields {
            var name = field.trimmingCharacters(in: .whitespaces)
            if name.hasSuffix("]"), let open = name.firstIndex(of: "[") {
                name = name[..<open].trimmingCharacters(in: .whitespaces)
            }
            guard let first = name.first, first.isLetter || first == "_",
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") })
            else { return nil }
            names.append(name)
        }
        return names
    }

    /// One data line keyed by column, or nil when it does not fit the columns.
    ///
    /// A surplus of fields is taken to be commas inside `freeText` (a process path may
    /// hold one; nvidia-smi does not quote it) and joined back into that column. Too few
    /// fields means the line is not data at all, such as an error or warning message.
    func record(_ line: Substring, freeText: String) -> NvidiaSMIRecord? {
        var fields = Self.fields(line)
        let surplus = fields.count - columns.count
        if surplus > 0, let text = columns.firstIndex(of: freeText) {
            let joined = fields[text...(text + surplus)].joined(separator: ",")
            fields.replaceSubrange(text...(text + surplus), with: [Substring(joined)])
        }
        guard fields.count == columns.count else { return nil }
        var values: [String: Substring] = [:]
        for (column, field) in zip(columns, fields) where values[column] == nil {
            values[column] = field
        }
        return NvidiaSMIRecord(values: values)
    }
}

/// One data line of nvidia-smi CSV, read field by field.
struct NvidiaSMIRecord {
    let values: [String: Substring]

    func has(_ column: String) -> Bool { values[column] != nil }

    /// The field's text, or nil when nvidia-smi had no value. Every bracketed value is
    /// such a marker (`[N/A]`, `[Not Supported]`, `[Not Found]`, `[Unknown Error]`,
    /// `[Requested functionality has been deprecated]`, …), and so is a bare `N/A`.
    func text(_ column: String) -> String? {
        guard let raw = values[column] else { return nil }
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.isEmpty || value == "N/A" || (value.hasPrefix("[") && value.hasSuffix("]")) {
            return nil
        }
        return value
    }

    /// The field as a whole number, with or without its unit (`81559 MiB`, `45 %`).
    /// An unexpected unit gives nil rather than a number in the wrong scale.
    func integer(_ column: String) -> Int? {
        guard let value = text(column) else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard let number = Int(parts[0]) else { return nil }
        if parts.count == 2, !["MiB", "%", "C"].contains(parts[1].trimmingCharacters(in: .whitespaces)) {
            return nil
        }
        return number
    }
}
