import Foundation
import ModeldTestSupport

/// The real nvidia-smi outputs, copied into the project's `Tests/Fixtures/nvidia-smi/`.
enum NvidiaSMIFixtures {
    static let directory = TestFixtures.directory.appendingPathComponent("nvidia-smi")

    static func text(_ name: String) throws -> String {
        try TestFixtures.text("nvidia-smi/" + name)
    }

    /// Every fixture file (README.md aside), as paths relative to the directory.
    static func allFiles() throws -> Set<String> {
        let top = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let errors = try FileManager.default.contentsOfDirectory(
            atPath: directory.appendingPathComponent("errors").path)
        return Set(top.filter { $0 != "README.md" && $0 != "errors" } + errors.map { "errors/" + $0 })
    }
}
