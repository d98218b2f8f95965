import Foundation

/// Where the built `modeld` and `modelctl` are: beside the test runner (`swift test`
/// puts every product in one folder), or `MODELD_PRODUCTS` when set.
public enum Binaries {
    public static var directory: String {
        if let products = ProcessInfo.processInfo.environment["MODELD_PRODUCTS"], !products.isEmpty { return products }
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        // The runner may sit inside a bundle (…/debug/modeldPackageTests.xctest/…): walk up to the folder with modeld.
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("modeld").path) { return url.path }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug")
            .standardizedFileURL.path
    }

    public static var modeld: String { directory + "/modeld" }
    public static var modelctl: String { directory + "/modelctl" }
}
