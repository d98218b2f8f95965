import Foundation

/// The project's own folder, found from this file's place in the tree: where the tests
/// find the fixtures, the shipped configurations and the tools `make test-deps` puts
/// under `.build/`, whatever the working directory.
public enum ProjectDirectory {
    public static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ModeldTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()  // the project

    /// The path of `relative` inside the project.
    public static func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }
}
