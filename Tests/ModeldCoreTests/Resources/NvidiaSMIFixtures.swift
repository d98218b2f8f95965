import Foundation

/// The real nvidia-smi outputs in `shared/fixtures/nvidia-smi/`. `shared/` sits beside
/// the repository, here and in CI, so the path is found from this file's own place.
enum NvidiaSMIFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Resources
        .deletingLastPathComponent()  // ModeldCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
        .deletingLastPathComponent()
        .appendingPathComponent("shared/fixtures/nvidia-smi")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every fixture file (README.md aside), as paths relative to the directory.
    static func allFiles() throws -> Set<String> {
        let top = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let errors = try FileManager.default.contentsOfDirectory(
            atPath: directory.appendingPathComponent("errors").path)
        return Set(top.filter { $0 != "README.md" && $0 != "errors" } + errors.map { "errors/" + $0 })
    }
}
