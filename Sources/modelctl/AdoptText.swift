import ModeldCore
import ModeldProtocol

/// The text of `adopt`: the plan, the hashing progress, the report, a scan's findings.
/// Pure, so it can be tested without a daemon.
enum AdoptText {
    /// Lists longer than this show their first lines and a count.
    static let listed = 10

    static func plan(_ plan: AdoptPlanResult) -> [String] {
        var lines = [
            "\(plan.model): \(plan.path) against commit \(plan.commit.prefix(12)) (named by \(plan.commitFrom)), "
                + "by \(way(plan.mode)): \(files(plan.filesToCheck)) (\(ByteSize.format(plan.bytesToCheck))) to check"
        ]
        if !plan.toFetch.isEmpty {
            lines.append("to fetch from the hub afterwards: \(files(plan.toFetch.count))")
            lines += notes(plan.toFetch)
        }
        if plan.extraCount > 0 {
            lines.append("left alone in the folder (not part of \(plan.model)): \(files(plan.extraCount))")
            lines += plan.extra.prefix(listed).map { "  " + $0 } + more(plan.extraCount, shown: min(plan.extra.count, listed))
        }
        return lines
    }

    /// `ti2v-5B checking`: the label the progress bar carries.
    static func progressLabel(_ model: String) -> String { model + " checking" }

    static func report(_ report: AdoptReport) -> [String] {
        var ways: [String] = []
        if report.linked > 0 { ways.append("\(report.linked) linked") }
        if report.moved > 0 { ways.append("\(report.moved) moved") }
        if report.copied > 0 { ways.append("\(report.copied) copied") }
        if report.alreadyStored > 0 { ways.append("\(report.alreadyStored) in the store already") }
        var lines = [
            "\(report.model): adopted \(files(report.adopted)) (\(ByteSize.format(report.bytesAdopted)) verified, nothing downloaded)"
                + (ways.isEmpty ? "" : ": " + ways.joined(separator: ", "))
        ]
        if !report.fetching.isEmpty {
            lines.append("fetching \(files(report.fetching.count)) (\(ByteSize.format(report.bytesToFetch))):")
            lines += notes(report.fetching)
        }
        return lines
    }

    static func scan(_ result: AdoptScanResult) -> [String] {
        var lines: [String] = []
        if result.found.isEmpty {
            lines.append("no folder under \(result.path) holds most of a catalog model (by file names and sizes)")
        } else {
            let rows = result.found.map { found in
                [found.folder, found.model, "\(found.matchedFiles)/\(found.files)", "\(ByteSize.format(found.matchedBytes)) of \(ByteSize.format(found.bytes))"]
            }
            lines.append(Output.table(["FOLDER", "MODEL", "FILES", "BYTES"], rows))
            lines.append("")
            lines.append("to adopt them (hard links: nothing is copied or downloaded that is there):")
            lines += result.found.map { "  " + $0.command }
        }
        for note in result.unchecked { lines.append("not looked for: \(note.path): \(note.reason)") }
        if result.truncated { lines.append("the listing stopped at its limit: scan a folder closer to the models") }
        return lines
    }

    private static func way(_ mode: AdoptMode) -> String {
        switch mode {
        case .link: "hard link"
        case .move: "rename"
        case .copy: "copy"
        }
    }

    private static func files(_ count: Int) -> String { count == 1 ? "1 file" : "\(count) files" }

    private static func notes(_ notes: [AdoptFileNote]) -> [String] {
        notes.prefix(listed).map { "  \($0.path): \($0.reason)" } + more(notes.count, shown: min(notes.count, listed))
    }

    private static func more(_ count: Int, shown: Int) -> [String] {
        count > shown ? ["  … and \(count - shown) more (--json lists them)"] : []
    }
}
