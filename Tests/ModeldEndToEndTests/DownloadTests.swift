import Foundation
import Glibc
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Downloads with the real daemon against the test hub: the store they leave is a valid
/// Hugging Face cache, and every fault the hub can inject is met the way STORE.md says.
@Suite struct DownloadTests {
    static let repoID = "wan-test/tiny-video"
    static let big = "diffusion_pytorch_model-00001-of-00001.safetensors"

    /// A Wan-shaped repo: a 20 MiB safetensors shard (fetched over two connections), its
    /// index, a config, and a file in a subfolder.
    static func repo(bigSize: Int = 20 << 20) -> TestRepo {
        let index = #"{"metadata":{"total_size":1},"weight_map":{"a":"\#(big)"}}"#
        return TestRepo(repoID, files: [
            TestFile("config.json", text: #"{"model_type":"tiny-video"}"#),
            TestFile(big, SafetensorsBytes.make([("a", bigSize / 4)], seed: 1)),
            TestFile("diffusion_pytorch_model.safetensors.index.json", text: index),
            TestFile("google/umt5-xxl/spiece.model", size: 100_000, seed: 3),
        ])
    }

    /// A daemon whose store is `<dir>/cache`, with quick retries and stall detection.
    static func daemon(_ extra: String = "", storeDir: String? = nil) throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(storeDir ?? daemon.directory.file("cache"))"

            [downloads]
            backoff_initial = "100ms"
            backoff_max = "1s"
            stall_timeout = "2s"

            [verify]
            chunk_size = "1MiB"
            quiet_period = "200ms"

            [disk]
            reserve = "0"

            \(extra)

            [[model]]
            id = "tiny-video"
            repo = "\(repoID)"
            """)
        return daemon
    }

    /// The hub, and a daemon started against it with nothing in its store.
    static func started(_ repo: TestRepo = repo(), _ extra: String = "", environment: [String: String] = [:]) throws -> (TestHub, DaemonHarness) {
        let hub = try TestHub(repos: [repo])
        let daemon = try daemon(extra)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint].merging(environment) { $1 })
        try daemon.waitForState("tiny-video", .missing)
        return (hub, daemon)
    }

    /// A subscription to the model's download events.
    static func events(_ daemon: DaemonHarness) throws -> ControlClient {
        let client = try daemon.client(timeout: .seconds(30))
        #expect(try client.request("subscribe", ["topics": .array([.string("download"), .string("repair"), .string("model")]), "models": .array([.string("tiny-video")])]).ok)
        return client
    }

    /// Reads events until one named `name`; every event read on the way.
    static func read(until name: String, from client: ControlClient) throws -> [JSONValue] {
        var seen: [JSONValue] = []
        while true {
            let line = try #require(try client.readLine(), "the daemon closed the subscription before \(name)")
            let event = try WireCodec.decoder.decode(JSONValue.self, from: line)
            seen.append(event)
            if event["event"]?.string == name { return seen }
        }
    }

    @Test func aPulledModelIsAValidHuggingFaceCache() throws {
        let (hub, daemon) = try Self.started()
        defer { hub.shutdown() }
        let pull = try daemon.modelctl(["--socket", daemon.socketPath, "pull", "tiny-video"])
        #expect(pull.status == 0, "\(pull.output)\(pull.error)")
        let status = try daemon.waitForState("tiny-video", .available)
        #expect(status.files?.verified == 4)
        #expect(status.download == nil)
        // Two connections shared the big file.
        #expect(hub.log.requests(on: .cdn).filter { $0.target.contains(Self.big) }.count == 2)

        let cache = daemon.directory.file("cache")
        let python = """
            import sys
            from huggingface_hub import scan_cache_dir, hf_hub_download
            info = scan_cache_dir(sys.argv[1])
            assert not info.warnings, info.warnings
            repo = [r for r in info.repos if r.repo_id == "\(Self.repoID)"][0]
            assert repo.size_on_disk > 20 * 1024 * 1024, repo.size_on_disk
            revision = list(repo.revisions)[0]
            assert len(revision.files) == 4, revision.files
            path = hf_hub_download("\(Self.repoID)", "google/umt5-xxl/spiece.model", cache_dir=sys.argv[1], local_files_only=True)
            assert open(path, "rb").read() == open(sys.argv[2], "rb").read()
            print("ok")
            """
        let expected = daemon.directory.file("spiece.model")
        try Data(try #require(Self.repo().file("google/umt5-xxl/spiece.model")).content).write(to: URL(fileURLWithPath: expected))
        let environment = HFCLI.environment(hub: hub, home: daemon.directory.path).merging(["HF_HUB_OFFLINE": "1"]) { $1 }
        let read = try ChildProcess.run(
            try #require(ChildProcess.which("python3")), ["-c", python, cache, expected], environment: environment, in: daemon.directory.path)
        #expect(read.status == 0 && read.output.contains("ok"), "\(read.output)\(read.error)")

        let hf = try #require(ChildProcess.which("hf"))
        let verify = try ChildProcess.run(
            hf, ["cache", "verify", Self.repoID, "--cache-dir", cache, "--fail-on-missing-files"],
            environment: HFCLI.environment(hub: hub, home: daemon.directory.path), in: daemon.directory.path, timeout: .seconds(60))
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: daemon.directory.file("state/models/tiny-video")).hasSuffix(status.commit ?? "?"))
    }
}
