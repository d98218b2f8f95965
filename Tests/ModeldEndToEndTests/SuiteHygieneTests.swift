import Foundation
import Testing

/// Rules every end-to-end suite keeps, checked on their source: a hang must fail a test,
/// not stall CI, so each suite carries a time limit. Generous (10 minutes): the suites
/// block threads of the shared pool while they wait on the daemon, so a test may wait long
/// for a thread before it runs, and that wait counts against its limit.
@Suite(.timeLimit(.minutes(10))) struct SuiteHygieneTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    @Test func everyEndToEndSuiteHasATimeLimit() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10)
        for file in files {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("@Suite") {
                #expect(line.contains(".timeLimit("), "\(file): \(line)")
            }
        }
    }
}
