import Foundation
import ModeldTestSupport
import Testing

/// What the daemon does with its configuration at start-up.
@Suite(.timeLimit(.minutes(10))) struct ConfigStartupTests {
    @Test func anInvalidFileExits78NamingFileLineAndKey() throws {
        let daemon = try DaemonHarness(config: "[daemon]\nlog_level = \"info\"\n\n[downloads]\nconcurrent_files = 0\n")
        let child = try daemon.start()
        #expect(try child.waitForExit() == 78)
        #expect(child.errorOutput.contains("\(daemon.configPath):5: downloads.concurrent_files: must be from 1 to 64, got 0"))
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test func anInvalidDropInIsNamed() throws {
        let daemon = try DaemonHarness()
        let dropIn = try daemon.directory.write("modeld.d/20-site.toml", "[[model]]\nid = \"x\"\n")
        let child = try daemon.start()
        #expect(try child.waitForExit() == 78)
        #expect(child.errorOutput.contains("\(dropIn):1: model[0].repo: missing"))
    }

    @Test func aMissingFileExits78() throws {
        let daemon = try DaemonHarness()
        let child = try daemon.start(arguments: ["--config", daemon.directory.file("absent.toml")])
        #expect(try child.waitForExit() == 78)
        #expect(child.errorOutput.contains("absent.toml: cannot read it"))
    }

    @Test func checkConfigPrintsTheEffectiveConfigurationWithoutTheToken() throws {
        let daemon = try DaemonHarness()
        try daemon.directory.write("modeld.d/10-limit.toml", "[downloads]\nbytes_per_s = \"20MB\"\n")
        let run = try ChildProcess.run(
            Binaries.modeld, ["--config", daemon.configPath, "--check-config", "--log-level", "warning"],
            environment: daemon.environment(["HF_TOKEN": "hf_secret_value", "HF_ENDPOINT": "http://127.0.0.1:9"]),
            in: daemon.directory.path)
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("bytes_per_s = 20000000"))
        #expect(run.output.contains("endpoint = 'http://127.0.0.1:9'"))
        #expect(run.output.contains("log_level = 'warning'"))
        #expect(run.output.contains("store_dir = '\(daemon.stateDirectory)/hub'"))
        #expect(run.output.contains("hub token: set (from HF_TOKEN)"))
        #expect(!run.output.contains("hf_secret_value"))
    }

    @Test func theShippedConfigIsValidAndDownloadsNothingByItself() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/modeld.toml")
            .standardizedFileURL.path
        let daemon = try DaemonHarness()
        let run = try ChildProcess.run(
            Binaries.modeld, ["--config", shipped, "--check-config"], environment: daemon.environment(), in: daemon.directory.path)
        #expect(run.status == 0, "\(run.error)")
        for id in ["t2v-A14B", "i2v-A14B", "ti2v-5B"] { #expect(run.output.contains("id = '\(id)'")) }
        #expect(run.output.contains("auto_download = false"))
        #expect(!run.output.contains("auto_download = true"))
    }
}
