/// What a guide (README.md, Docs/*.md) shows to be run, as `GuideTests` runs it. The
/// convention, written at the top of each guide:
/// - a fenced block with the info string `console` holds commands: each starts with `$ `,
///   a line ending in `\` goes on with the next one, and the lines under a command up to
///   the next `$ ` are the output it shows;
/// - a command exits 0 unless its last line ends with `(exit N)` (in its comment);
/// - a block whose info string names a file after the language (```` ```python client.py ````)
///   is written to that file, in the folder the commands run in, before they run;
/// - every other block (`sh`, `toml`, `json`, none) is only read, never run.
public enum GuideBlocks {
    /// One command of a `console` block.
    public struct Command: Sendable, Equatable {
        /// The guide's line (1-based) where the command starts.
        public var line: Int
        /// The shell text, continuation lines kept with their `\`.
        public var text: String
        public var expectedStatus: Int32
        /// The output lines the guide shows under it.
        public var shown: [String]

        public init(line: Int, text: String, expectedStatus: Int32 = 0, shown: [String] = []) {
            self.line = line
            self.text = text
            self.expectedStatus = expectedStatus
            self.shown = shown
        }
    }

    /// A block written to a file before the commands run.
    public struct File: Sendable, Equatable {
        public var name: String
        public var text: String

        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    /// The commands of `markdown`, in order, and the files it writes.
    public static func parse(_ markdown: String) -> (commands: [Command], files: [File]) {
        var commands: [Command] = []
        var files: [File] = []
        // The open fence: its info string's words, its line, and (for a file) its text.
        var block: (info: [Substring], line: Int, body: [String])?
        var continues = false
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " }
            guard var open = block else {
                if trimmed.hasPrefix("```") { block = (trimmed.dropFirst(3).split(separator: " "), index + 1, []) }
                continue
            }
            if trimmed.hasPrefix("```"), trimmed.allSatisfy({ $0 == "`" }) {
                if open.info.count >= 2 {
                    files.append(File(name: String(open.info[1]), text: open.body.map { $0 + "\n" }.joined()))
                }
                block = nil
                continues = false
                continue
            }
            open.body.append(String(line))
            block = open
            guard open.info.first == "console" else { continue }
            if continues {
                commands[commands.count - 1].text += "\n" + line
            } else if line.hasPrefix("$ ") {
                commands.append(Command(line: index + 1, text: String(line.dropFirst(2))))
            } else {
                // Output, of the block's last command (a line before its first one is prose).
                if let last = commands.indices.last, commands[last].line > open.line { commands[last].shown.append(String(line)) }
                continue
            }
            continues = line.hasSuffix("\\")
            commands[commands.count - 1].expectedStatus = expectedStatus(commands[commands.count - 1].text)
        }
        return (commands, files)
    }

    /// `N` when the command's last line ends with `(exit N)`, else 0.
    static func expectedStatus(_ text: String) -> Int32 {
        let last = text.split(separator: "\n").last.map(String.init) ?? text
        guard last.hasSuffix(")"), let open = last.range(of: "(exit ", options: .backwards) else { return 0 }
        return Int32(last[open.upperBound...].dropLast()) ?? 0
    }

    /// The first shown line the output does not bear out, or nil. Shown lines are checked
    /// in order, each against a whole line of the output after the previous match, with
    /// runs of spaces counted as one and `…` standing for any text. A shown line with a
    /// digit is not checked: sizes, speeds, times and hashes differ from run to run.
    public static func unmatched(_ shown: [String], in output: String) -> String? {
        let lines = output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(normalized)
        var next = 0
        for line in shown where !line.contains(where: \.isNumber) {
            let pattern = normalized(line)
            if pattern.isEmpty || pattern == "…" { continue }
            guard let found = lines[next...].firstIndex(where: { matches($0, pattern) }) else { return line }
            next = found + 1
        }
        return nil
    }

    static func normalized<S: StringProtocol>(_ line: S) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Whether `line` is `pattern`, where each `…` stands for any text.
    static func matches(_ line: String, _ pattern: String) -> Bool {
        let pieces = pattern.components(separatedBy: "…")
        guard pieces.count > 1 else { return line == pattern }
        guard line.hasPrefix(pieces[0]), line.hasSuffix(pieces[pieces.count - 1]),
            line.count >= pieces[0].count + pieces[pieces.count - 1].count
        else { return false }
        var rest = line.dropFirst(pieces[0].count).dropLast(pieces[pieces.count - 1].count)
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
