import Foundation
import ModeldTestSupport
import Testing

/// `make install` with the real Makefile into a staging root (DESTDIR), from the binaries
/// this test run built (PRODUCTS, so nothing is built again): run twice, the second run
/// exits 0 and keeps everything the admin changed; completions and man pages are in place.
@Suite(.timeLimit(.minutes(10))) struct InstallTests {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
    static let prefix = "/opt/modeld"

    static func install(into root: TemporaryDirectory) throws -> (status: Int32, output: String, error: String) {
        try ChildProcess.run(
            "/usr/bin/make", ["-C", project, "install", "DESTDIR=" + root.path, "PREFIX=" + prefix, "PRODUCTS=" + Binaries.directory],
            in: root.path)
    }

    @Test func aSecondInstallChangesNothingTheAdminEditedAndCompletionsAndManPagesAreInPlace() throws {
        let root = try TemporaryDirectory(prefix: "modeld-install")
        let first = try Self.install(into: root)
        #expect(first.status == 0, "\(first.output)\(first.error)")

        let config = root.file("etc/modeld/modeld.toml")
        let shipped = try String(contentsOfFile: Self.project + "/Config/modeld.toml", encoding: .utf8)
        #expect(try String(contentsOfFile: config, encoding: .utf8) == shipped)
        let service = try String(contentsOfFile: root.file("etc/systemd/system/modeld.service"), encoding: .utf8)
        #expect(service.contains("ExecStart=\(Self.prefix)/bin/modeld --config /etc/modeld/modeld.toml"), "the unit runs the binary installed")

        // What an admin changes between installs; the state stands for the ledger and store.
        let edited = shipped + "\n[downloads]\nconcurrent_files = 1\n"
        try Data(edited.utf8).write(to: URL(fileURLWithPath: config))
        let dropIn = root.file("etc/modeld/modeld.d/20-site.toml")
        try Data("[daemon]\nlog_level = \"debug\"\n".utf8).write(to: URL(fileURLWithPath: dropIn))
        try FileManager.default.createDirectory(atPath: root.file("var/lib/modeld"), withIntermediateDirectories: true)
        let state = try root.write("var/lib/modeld/ledger.sqlite", "the ledger")

        let second = try Self.install(into: root)
        #expect(second.status == 0, "\(second.output)\(second.error)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == edited, "the admin's config is kept")
        #expect(try String(contentsOfFile: config + ".new", encoding: .utf8) == shipped, "the new default beside it")
        #expect(second.output.contains("kept your \(config)"), "\(second.output)")
        #expect(try String(contentsOfFile: dropIn, encoding: .utf8) == "[daemon]\nlog_level = \"debug\"\n")
        #expect(try String(contentsOfFile: state, encoding: .utf8) == "the ledger")

        let installed = root.file(String(Self.prefix.dropFirst()))
        for tool in ["modeld", "modelctl"] {
            for file in [
                "bin/\(tool)", "share/bash-completion/completions/\(tool)", "share/zsh/site-functions/_\(tool)",
                "share/fish/vendor_completions.d/\(tool).fish", "share/man/man1/\(tool).1",
            ] {
                let size = (try? FileManager.default.attributesOfItem(atPath: installed + "/" + file))?[.size] as? Int
                #expect((size ?? 0) > 0, "\(file) is installed and not empty")
            }
            let completion = try ChildProcess.run(
                "/bin/bash", ["-c", "source \"$0\" && complete -p \(tool)", installed + "/share/bash-completion/completions/\(tool)"], in: root.path)
            #expect(completion.status == 0 && completion.output.contains("-F _\(tool) \(tool)"), "\(completion.output)\(completion.error)")
            // groff (groff-base, in the Makefile's TEST_PACKAGES) warns about every macro it cannot format.
            let page = try ChildProcess.run("/usr/bin/groff", ["-mdoc", "-Tutf8", "-ww", "-z", installed + "/share/man/man1/\(tool).1"], in: root.path)
            #expect(page.status == 0 && page.error.isEmpty, "\(page.error)")
        }
    }
}
