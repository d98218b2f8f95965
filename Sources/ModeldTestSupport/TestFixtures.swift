import Foundation

/// The fixture files the tests read, kept in the project (`Tests/Fixtures/`) so a fresh
/// clone with nothing beside it has them. Found from this file's own place in the tree.
public enum TestFixtures {
    public static let directory = ProjectDirectory.url.appendingPathComponent("Tests/Fixtures")

    /// The path of a fixture; the file must exist, so a missing fixture fails the test
    /// that needs it instead of leaving it to a tool's error text.
    public static func path(_ relative: String) throws -> String {
        let path = directory.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestSupportError("the fixture \(path) is missing")
        }
        return path
    }

    public static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: try path(relative), encoding: .utf8)
    }
}
