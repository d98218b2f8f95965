import Foundation
import ModeldCore
import Testing

/// The five models of Config/modeld.toml, as far as the advisor reads them.
private let wan22: [CatalogModel] = [
    model("t2v-A14B", tasks: ["t2v"], sizes: ["1280*720", "720*1280", "832*480", "480*832"], vram: 80, quality: 1.0, size: "126GB"),
    model("i2v-A14B", tasks: ["i2v"], sizes: ["1280*720", "720*1280", "832*480", "480*832"], vram: 80, quality: 1.0, size: "126GB"),
    model("ti2v-5B", tasks: ["t2v", "i2v", "ti2v"], sizes: ["1280*704", "704*1280"], vram: 24, quality: 0.8, size: "34203123497"),
    model(
        "s2v-14B", tasks: ["s2v"],
        sizes: ["1024*704", "704*1024", "1280*720", "720*1280", "832*480", "480*832", "1280*704", "704*1280"],
        vram: 80, quality: 0.9, size: "49GB"),
    model("animate-14B", tasks: ["animate"], sizes: ["1280*720", "720*1280"], vram: 80, quality: 0.9, size: nil),
]

private func model(_ id: String, tasks: [String], sizes: [String] = [], vram: Int, quality: Double, size: String? = nil) -> CatalogModel {
    var m = CatalogModel(id: id, repo: "Wan-AI/\(id)")
    m.tasks = tasks
    m.sizes = sizes
    m.minVRAMGB = vram
    m.quality = quality
    m.approxSize = size.flatMap(ByteSize.init(parsing:))
    return m
}

private func wan(_ id: String) -> CatalogModel { wan22.first { $0.id == id }! }

/// One expected alternative: the fields that decide what a client does with it.
struct Expected: Sendable, Equatable, CustomStringConvertible {
    var model: String
    var compatibility: Double
    var quality: QualityWording
    var fits: Bool?
    var description: String { "\(model) \(compatibility) \(quality) \(fits.map(String.init) ?? "nil")" }

    init(_ model: String, _ compatibility: Double, _ quality: QualityWording, fits: Bool?) {
        (self.model, self.compatibility, self.quality, self.fits) = (model, compatibility, quality, fits)
    }

    init(_ a: Alternative) { self.init(a.model, a.compatibility, a.quality, fits: a.fitsVRAM) }
}

struct AlternativesCase: Sendable, CustomTestStringConvertible {
    var name: String
    var requested: String
    var needs = Needs()
    var gpu: Int?
    var ready: Set<String> = []
    var expected: [Expected]
    var testDescription: String { name }
}

private let alternativesCases: [AlternativesCase] = [
    // ti2v-5B is the stand-in for either A14B model below 80 GB (wan22.md).
    .init(name: "t2v-A14B, GPU unknown", requested: "t2v-A14B",
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: nil)]),
    .init(name: "t2v-A14B, 16 GB: nothing fits", requested: "t2v-A14B", needs: Needs(vramGB: 16), expected: []),
    .init(name: "t2v-A14B, 24 GB", requested: "t2v-A14B", needs: Needs(vramGB: 24),
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    .init(name: "t2v-A14B, measured 48 GB", requested: "t2v-A14B", gpu: 48,
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    .init(name: "t2v-A14B, 80 GB: i2v-A14B does not serve t2v", requested: "t2v-A14B", needs: Needs(vramGB: 80),
          ready: ["i2v-A14B"], expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    .init(name: "needs.vram_gb wins over the measured GPU", requested: "t2v-A14B", needs: Needs(vramGB: 16), gpu: 80,
          expected: []),
    .init(name: "i2v-A14B, 24 GB", requested: "i2v-A14B", needs: Needs(vramGB: 24),
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    .init(name: "s2v-14B: no other model serves s2v", requested: "s2v-14B", needs: Needs(vramGB: 80), expected: []),
    .init(name: "animate-14B: no other model animates", requested: "animate-14B", gpu: nil, expected: []),
    // Output sizes: ti2v-5B has only 1280*704 and 704*1280.
    .init(name: "720p asked, 704 offered", requested: "t2v-A14B", needs: Needs(resolution: "1280*720", vramGB: 24),
          expected: [Expected("ti2v-5B", 0.88, .slightlyLower, fits: true)]),
    .init(name: "portrait 720p asked", requested: "t2v-A14B", needs: Needs(resolution: "720*1280", vramGB: 24),
          expected: [Expected("ti2v-5B", 0.88, .slightlyLower, fits: true)]),
    .init(name: "480p asked: same orientation, far fewer pixels, floor 0.5", requested: "t2v-A14B",
          needs: Needs(resolution: "832*480", vramGB: 24), expected: [Expected("ti2v-5B", 0.5, .slightlyLower, fits: true)]),
    .init(name: "square asked: only other orientations", requested: "t2v-A14B",
          needs: Needs(resolution: "704*704", vramGB: 24), expected: [Expected("ti2v-5B", 0.5, .slightlyLower, fits: true)]),
    .init(name: "exact size asked", requested: "t2v-A14B", needs: Needs(resolution: "1280*704", vramGB: 24),
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    .init(name: "unreadable size counts as not asked", requested: "t2v-A14B", needs: Needs(resolution: "big", vramGB: 24),
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    // The other direction: the A14B models are better, so "similar".
    .init(name: "ti2v-5B for t2v at 80 GB", requested: "ti2v-5B", needs: Needs(task: "t2v", resolution: "1280*720", vramGB: 80),
          expected: [Expected("t2v-A14B", 1, .similar, fits: true)]),
    .init(name: "ti2v-5B for t2v at 24 GB", requested: "ti2v-5B", needs: Needs(task: "t2v", vramGB: 24), expected: []),
    .init(name: "ti2v-5B, no task: each A14B serves one of three", requested: "ti2v-5B", needs: Needs(vramGB: 80),
          expected: [Expected("i2v-A14B", 0.33, .similar, fits: true), Expected("t2v-A14B", 0.33, .similar, fits: true)]),
    .init(name: "ti2v-5B, no task, GPU unknown, t2v-A14B ready first", requested: "ti2v-5B", ready: ["t2v-A14B"],
          expected: [Expected("t2v-A14B", 0.33, .similar, fits: nil), Expected("i2v-A14B", 0.33, .similar, fits: nil)]),
    .init(name: "t2v-A14B asked for i2v: quality orders", requested: "t2v-A14B", needs: Needs(task: "i2v"), gpu: 80,
          expected: [Expected("i2v-A14B", 1, .similar, fits: true), Expected("ti2v-5B", 1, .slightlyLower, fits: true)]),
    .init(name: "t2v-A14B asked for i2v: ready orders first", requested: "t2v-A14B", needs: Needs(task: "i2v"), gpu: 80,
          ready: ["ti2v-5B"],
          expected: [Expected("ti2v-5B", 1, .slightlyLower, fits: true), Expected("i2v-A14B", 1, .similar, fits: true)]),
]

struct SetupCase: Sendable, CustomTestStringConvertible {
    var name: String
    var catalog = wan22
    var needs = Needs()
    var gpu: Int?
    var expected: SetupAdvice
    var testDescription: String { name }
}

private let setupCases: [SetupCase] = [
    .init(name: "24 GB: ti2v-5B", gpu: 24, expected: SetupAdvice(
        model: "ti2v-5B", sizeBytes: 34_203_123_497, command: "modelctl pull ti2v-5B",
        message: "No model is ready. ti2v-5B fits this GPU (24 GB needed, 24 GB here): modelctl pull ti2v-5B downloads about 31.9 GiB.")),
    .init(name: "80 GB, t2v: the best, not the smallest", needs: Needs(task: "t2v", vramGB: 80), expected: SetupAdvice(
        model: "t2v-A14B", sizeBytes: 126_000_000_000, command: "modelctl pull t2v-A14B",
        message: "No model is ready. t2v-A14B fits this GPU (80 GB needed, 80 GB here): modelctl pull t2v-A14B downloads about 117.3 GiB.")),
    .init(name: "80 GB, animate: size unknown", needs: Needs(task: "animate"), gpu: 80, expected: SetupAdvice(
        model: "animate-14B", sizeBytes: nil, command: "modelctl pull animate-14B",
        message: "No model is ready. animate-14B fits this GPU (80 GB needed, 80 GB here): modelctl pull animate-14B downloads an amount the catalog does not state.")),
    .init(name: "GPU unknown: the smallest need", expected: SetupAdvice(
        model: "ti2v-5B", sizeBytes: 34_203_123_497, command: "modelctl pull ti2v-5B",
        message: "No model is ready. GPU memory is unknown; ti2v-5B needs the least VRAM (24 GB): modelctl pull ti2v-5B downloads about 31.9 GiB.")),
    .init(name: "16 GB: nothing fits", gpu: 16, expected: SetupAdvice(
        message: "No model is ready, and no model in the catalog fits 16 GB of VRAM; the smallest, ti2v-5B, needs 24 GB.")),
    .init(name: "24 GB, s2v: nothing fits", needs: Needs(task: "s2v", vramGB: 24), expected: SetupAdvice(
        message: "No model is ready, and no model in the catalog that serves s2v fits 24 GB of VRAM; the smallest, s2v-14B, needs 80 GB.")),
    .init(name: "task nobody serves", needs: Needs(task: "v2v"), gpu: 80, expected: SetupAdvice(
        message: "No model is ready, and no model in the catalog serves v2v; add a [[model]] that does to the configuration.")),
    .init(name: "empty catalog", catalog: [], gpu: 80, expected: SetupAdvice(
        message: "No model is in the catalog: add a [[model]] to the configuration (/etc/modeld/modeld.toml or a file in /etc/modeld/modeld.d/), then run modelctl reload.")),
    .init(name: "equal quality: the smaller download",
          catalog: [model("big", tasks: ["t2v"], vram: 24, quality: 0.8, size: "10GB"),
                    model("small", tasks: ["t2v"], vram: 24, quality: 0.8, size: "5GB")],
          gpu: 24, expected: SetupAdvice(
              model: "small", sizeBytes: 5_000_000_000, command: "modelctl pull small",
              message: "No model is ready. small fits this GPU (24 GB needed, 24 GB here): modelctl pull small downloads about 4.7 GiB.")),
    .init(name: "GPU unknown, equal need: the better quality",
          catalog: [model("worse", tasks: ["t2v"], vram: 24, quality: 0.5), model("better", tasks: ["t2v"], vram: 24, quality: 0.7),
                    model("huge", tasks: ["t2v"], vram: 80, quality: 1)],
          expected: SetupAdvice(
              model: "better", sizeBytes: nil, command: "modelctl pull better",
              message: "No model is ready. GPU memory is unknown; better needs the least VRAM (24 GB): modelctl pull better downloads an amount the catalog does not state.")),
]

@Suite struct FallbackAdvisorTests {
    @Test(arguments: alternativesCases)
    func ranksAlternatives(_ c: AlternativesCase) {
        let got = FallbackAdvisor.alternatives(
            to: wan(c.requested), needs: c.needs, catalog: wan22, ready: c.ready, gpuVRAMGB: c.gpu)
        #expect(got.map(Expected.init) == c.expected)
        #expect(got.allSatisfy { $0.ready == c.ready.contains($0.model) })
        #expect(!got.contains { $0.model == c.requested })
    }

    @Test func reasonsSayWhyInPlainWords() {
        let sized = FallbackAdvisor.alternatives(
            to: wan("t2v-A14B"), needs: Needs(resolution: "1280*720", vramGB: 24), catalog: wan22, ready: [], gpuVRAMGB: nil)
        #expect(sized.map(\.reason) == ["serves t2v at 1280*704 (not 1280*720); needs 24 GB of VRAM, this GPU has 24 GB; not ready"])

        let unknown = FallbackAdvisor.alternatives(
            to: wan("t2v-A14B"), needs: Needs(), catalog: wan22, ready: ["ti2v-5B"], gpuVRAMGB: nil)
        #expect(unknown.map(\.reason) == ["serves t2v; needs 24 GB of VRAM; GPU memory unknown; ready"])

        let partial = FallbackAdvisor.alternatives(
            to: wan("ti2v-5B"), needs: Needs(), catalog: wan22, ready: [], gpuVRAMGB: 80)
        #expect(partial.first?.reason == "serves i2v (not t2v, ti2v); needs 80 GB of VRAM, this GPU has 80 GB; not ready")
    }

    @Test func qualityWordingAndModelsWithoutLimits() {
        let catalog = [
            wan("t2v-A14B"),
            model("close", tasks: ["t2v"], vram: 24, quality: 0.95),
            model("weak", tasks: ["t2v"], vram: 24, quality: 0.5),
            model("tiny", tasks: ["t2v"], vram: 0, quality: 0.3),
        ]
        let got = FallbackAdvisor.alternatives(
            to: catalog[0], needs: Needs(resolution: "1280*720"), catalog: catalog, ready: [], gpuVRAMGB: nil)
        // 0.05 below is still "similar" (binary 1.0 - 0.95 is a hair above 0.05); no limit
        // fits anything even when the GPU is unknown; no sizes listed costs nothing.
        #expect(got.map(Expected.init) == [
            Expected("close", 1, .similar, fits: nil),
            Expected("weak", 1, .significantlyLower, fits: nil),
            Expected("tiny", 1, .significantlyLower, fits: true),
        ])
        #expect(got.last?.reason == "serves t2v, sizes not listed; no stated VRAM minimum; GPU memory unknown; not ready")
    }

    /// Found by FuzzTests (seed 120325193165924): `suggest` with this resolution crashed
    /// the daemon (the pixel count overflowed an Int).
    @Test(arguments: ["9223372036854775807*9223372036854775807", "3037000500*3037000500", "1*9223372036854775807"])
    func aResolutionWhosePixelCountOverflowsIsStillCompared(resolution: String) {
        let got = FallbackAdvisor.alternatives(
            to: wan("t2v-A14B"), needs: Needs(resolution: resolution, vramGB: 80), catalog: wan22, ready: [], gpuVRAMGB: nil)
        #expect(!got.isEmpty)
        #expect(got.allSatisfy { $0.reason.contains("(not \(resolution))") })
    }

    @Test(arguments: setupCases)
    func advisesWhatToDownload(_ c: SetupCase) {
        #expect(FallbackAdvisor.setup(catalog: c.catalog, needs: c.needs, gpuVRAMGB: c.gpu) == c.expected)
    }

    @Test func alternativeJSONKeepsUnknownFitAsNull() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let unknown = Alternative(model: "ti2v-5B", ready: true, compatibility: 0.88, quality: .slightlyLower, fitsVRAM: nil, reason: "r")
        let json = String(decoding: try encoder.encode(unknown), as: UTF8.self)
        #expect(json == #"{"compatibility":0.88,"fits_vram":null,"model":"ti2v-5B","quality":"slightly_lower","ready":true,"reason":"r"}"#)

        let decoder = JSONDecoder()
        #expect(try decoder.decode(Alternative.self, from: Data(json.utf8)) == unknown)
        let absent = #"{"model":"ti2v-5B","ready":true,"compatibility":0.88,"quality":"slightly_lower","reason":"r"}"#
        #expect(try decoder.decode(Alternative.self, from: Data(absent.utf8)) == unknown)
        var fits = unknown
        fits.fitsVRAM = false
        #expect(try decoder.decode(Alternative.self, from: encoder.encode(fits)) == fits)
    }

    @Test func needsAndSetupAdviceUseProtocolKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let needs = try JSONDecoder().decode(Needs.self, from: Data(#"{"task":"t2v","resolution":"1280*720","vram_gb":24}"#.utf8))
        #expect(needs == Needs(task: "t2v", resolution: "1280*720", vramGB: 24))
        #expect(try JSONDecoder().decode(Needs.self, from: Data("{}".utf8)) == Needs())

        let advice = SetupAdvice(model: "ti2v-5B", sizeBytes: 1, command: "modelctl pull ti2v-5B", message: "m")
        #expect(String(decoding: try encoder.encode(advice), as: UTF8.self)
            == #"{"command":"modelctl pull ti2v-5B","message":"m","model":"ti2v-5B","size_bytes":1}"#)
        #expect(String(decoding: try encoder.encode(SetupAdvice(message: "m")), as: UTF8.self)
            == #"{"command":null,"message":"m","model":null,"size_bytes":null}"#)
        #expect(try JSONDecoder().decode(SetupAdvice.self, from: Data(#"{"message":"m"}"#.utf8)) == SetupAdvice(message: "m"))
    }
}
