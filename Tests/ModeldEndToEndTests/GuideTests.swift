import Foundation
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The guides cannot drift: every command README.md and Docs/*.md show in a `console`
/// block (`GuideBlocks`) runs, in order, in one bash per guide, against a real daemon on
/// the demo catalog (`Config/demo.toml`, the demo repos on a test hub). The folder the
/// commands run in is laid out as `make demo` leaves the project: `.run/demo` holds the
/// daemon's state and socket, `.build/release` the programs. That folder is bash's whole
/// `PATH`: `modelctl`, `modeld` and the few system tools the guides use, nothing else.
@Suite(.timeLimit(.minutes(10))) struct GuideTests {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        .standardizedFileURL.path

    /// README.md and every guide in Docs/.
    static var guides: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: project + "/Docs")) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "Docs/" + $0 }
    }

    /// The system tools the guides' commands use (bash's builtins aside).
    static let tools = ["cat", "cp", "dd", "grep", "ls", "mkdir", "python3", "readlink", "rm", "sleep", "socat", "stat", "truncate"]

    @Test(arguments: guides) func everyCommandRunsAsShown(_ guide: String) throws {
        let (commands, files) = GuideBlocks.parse(try String(contentsOfFile: Self.project + "/" + guide, encoding: .utf8))
        guard !commands.isEmpty else { return }
        let hub = try TestHub(repos: DemoRepos.all)
        defer { hub.shutdown() }
        let daemon = try DaemonHarness(config: try String(contentsOfFile: Self.project + "/Config/demo.toml", encoding: .utf8))
        let work = daemon.directory
        let demo = work.file(".run/demo")
        try Self.layOut(work, demo: demo)
        for file in files { try work.write(file.name, file.text) }
        try daemon.startReady(environment: ["STATE_DIRECTORY": demo, "RUNTIME_DIRECTORY": demo, "HF_ENDPOINT": hub.endpoint])
        let socket = demo + "/modeld.sock"
        // Where `make demo` is by the time a person types: each model checked once.
        try waitUntil("the first verification of the demo models") {
            let models = try ControlClient(path: socket).request("status").decode(StatusResult.self).models
            return models.count == 3 && models.allSatisfy { $0.verify?.last != nil }
        }

        let outputs = work.file("guide-output")
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        let script = try work.write("guide.sh", Self.script(commands, in: work.path, outputs: outputs))
        let shell = try ChildProcess(
            "/bin/bash", [script],
            environment: ["PATH": work.file(".build/release"), "LANG": "C.UTF-8", "HOME": work.path, "MODELD_SOCKET": socket],
            outputDirectory: work.path)
        let finished = (try? shell.waitForExit(timeout: .seconds(120))) != nil
        for (number, command) in commands.enumerated() {
            let output = (try? String(contentsOfFile: "\(outputs)/\(number)", encoding: .utf8)) ?? ""
            let status = (try? String(contentsOfFile: "\(outputs)/\(number).status", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let failure: String?
            if let status {
                if status != command.expectedStatus {
                    failure = "exited \(status); the guide expects \(command.expectedStatus) (a command that should fail ends with `(exit N)`)"
                } else {
                    failure = GuideBlocks.unmatched(command.shown, in: output).map { "its output has no line like the guide's \"\($0)\"" }
                }
            } else {
                failure = finished ? "did not run: bash stopped before it (\(shell.errorOutput))" : "did not end within 120 s"
            }
            if let failure {
                let log = daemon.process?.errorOutput.split(separator: "\n").suffix(20).joined(separator: "\n") ?? ""
                Issue.record("""
                    \(guide):\(command.line): $ \(command.text)
                    \(failure)
                    --- its output:
                    \(output)--- the daemon's last log lines:
                    \(log)
                    """)
                return
            }
        }
    }

    /// The project as `make demo` leaves it: `.run/demo` for the daemon, `.build/release`
    /// with links to the programs and tools, `Config/` the project's own.
    static func layOut(_ work: TemporaryDirectory, demo: String) throws {
        let files = FileManager.default
        let bin = work.file(".build/release")
        try files.createDirectory(atPath: demo, withIntermediateDirectories: true)
        try files.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try files.createSymbolicLink(atPath: work.file("Config"), withDestinationPath: project + "/Config")
        try files.createSymbolicLink(atPath: bin + "/modelctl", withDestinationPath: Binaries.modelctl)
        try files.createSymbolicLink(atPath: bin + "/modeld", withDestinationPath: Binaries.modeld)
        for tool in tools {
            // The system's own, never a shim or a tool earlier on the test runner's PATH.
            guard let path = ["/usr/bin", "/bin"].map({ "\($0)/\(tool)" }).first(where: files.isExecutableFile) else {
                throw TestSupportError("the guides use \(tool), which is not in /usr/bin: make test-deps installs it")
            }
            try files.createSymbolicLink(atPath: bin + "/" + tool, withDestinationPath: path)
        }
    }

    /// One bash for a guide, so a variable or an `export` carries to the next command:
    /// each command's output and exit status go to files of their own, and the first
    /// status the guide does not expect ends the script. Jobs left in the background end
    /// with it.
    static func script(_ commands: [GuideBlocks.Command], in folder: String, outputs: String) -> String {
        var script = "cd '\(folder)' || exit\n"
        for (number, command) in commands.enumerated() {
            script += """
                { \(command.text)
                } > '\(outputs)/\(number)' 2>&1 < /dev/null
                status=$?; echo $status > '\(outputs)/\(number).status'
                [ $status = \(command.expectedStatus) ] || { kill $(jobs -p) 2>/dev/null; exit 0; }

                """
        }
        return script + "kill $(jobs -p) 2>/dev/null; exit 0\n"
    }
}
