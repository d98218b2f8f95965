/// What `make demo`'s hub serves (the test hub run as a program, `modeld-demo-hub`):
/// small Wan-shaped repos that `Config/demo.toml` names, generated the same in every run.
public enum DemoRepos {
    public static let mini = "demo/wan-mini"
    public static let gated = "demo/wan-mini-gated"
    public static let big = "demo/wan-big"

    /// Two safetensors shards, their index, a config and a VAE: a few MB, the layout of a
    /// Wan2.2 diffusers folder. `scale` multiplies the shards' size.
    static func files(scale: Int, seed: UInt64) -> [TestFile] {
        let shards = (1...2).map { "diffusion_pytorch_model-0000\($0)-of-00002.safetensors" }
        let index = #"{"metadata":{"total_size":1},"weight_map":{"blocks.0":"\#(shards[0])","blocks.1":"\#(shards[1])"}}"#
        return [
            TestFile("config.json", text: #"{"_class_name":"WanModel","dim":64}"#),
            TestFile("diffusion_pytorch_model.safetensors.index.json", text: index),
            TestFile("Wan2.2_VAE.pth", size: 512 << 10, seed: seed),
        ] + shards.enumerated().map { number, path in
            TestFile(path, SafetensorsBytes.make([("blocks.\(number)", scale << 18)], seed: seed + UInt64(number) + 1))
        }
    }

    /// The demo's repos: a small model, its gated twin (it needs `TestHub.token`), and a
    /// bigger one that needs more GPU than a demo machine has.
    public static var all: [TestRepo] {
        [
            TestRepo(mini, files: files(scale: 4, seed: 10)),
            TestRepo(gated, files: files(scale: 4, seed: 10), gated: true),
            TestRepo(big, files: files(scale: 8, seed: 20)),
        ]
    }

    /// `bench/model`: one LFS file of `mebibytes` (`model.bin`, so no safetensors header is
    /// checked), for the benchmarks that play a far CDN with the demo hub.
    public static let benchRepo = "bench/model"
    public static let benchFile = "model.bin"

    public static func bench(mebibytes: Int) -> TestRepo {
        TestRepo(benchRepo, files: [TestFile(benchFile, size: mebibytes << 20, seed: 99, lfs: true)])
    }
}
