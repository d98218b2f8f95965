import ModeldCore
import ModeldProtocol

/// `modelctl doctor`'s lines: status, check, what was seen, and under each warning or
/// failure the fix.
enum DoctorText {
    static func describe(_ result: DoctorResult) -> String {
        let width = result.checks.map(\.name.count).max() ?? 0
        let indent = String(repeating: " ", count: 4 + 2 + width + 2)
        var lines: [String] = []
        for check in result.checks {
            let status = check.status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
            lines.append("\(status)  \(check.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(check.detail)")
            if check.status != .ok, let fix = check.fix { lines.append(indent + "fix: " + fix) }
        }
        let failed = result.checks.filter { $0.status == .fail }.count
        let warned = result.checks.filter { $0.status == .warn }.count
        lines.append(
            failed == 0 && warned == 0
                ? "all \(result.checks.count) checks passed"
                : "\(failed) failed, \(warned) warning\(warned == 1 ? "" : "s") of \(result.checks.count) checks")
        return lines.joined(separator: "\n")
    }
}
