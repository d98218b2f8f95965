import ModeldCore
import Testing

@Suite struct EvictionPlanTests {
    static let layout = StoreLayout(root: "/store")
    static func file(_ path: String, _ hex: Character, size: Int64) -> ManifestFile {
        ManifestFile(path: path, size: size, digest: .sha256(String(repeating: hex, count: 64)))
    }
    static let config = file("config.json", "a", size: 10)
    static let shard = file("model.safetensors", "b", size: 1000)
    static let vae = file("vae.pth", "c", size: 500)

    @Test func removesOnlyWhatNoOtherModelNeeds() {
        let full = Manifest(repo: "org/a", commit: String(repeating: "1", count: 40), files: [Self.config, Self.shard, Self.vae])
        // Same repo and commit, only the config: its blob and link must stay.
        let configs = Manifest(repo: "org/a", commit: full.commit, files: [Self.config])
        let plan = EvictionPlan(model: full, others: [configs], layout: Self.layout)
        #expect(plan.blobs.map(\.path) == [Self.layout.blob("org/a", Self.shard.digest), Self.layout.blob("org/a", Self.vae.digest)])
        #expect(plan.freedBytes == 1500)
        #expect(plan.shared == ["config.json"])
        #expect(plan.removedPaths == ["model.safetensors", "vae.pth"])
        #expect(plan.snapshotLinks == ["model.safetensors", "vae.pth"].map { Self.layout.snapshotFile("org/a", full.commit, $0) })
    }

    @Test func aBlobTwoPathsShareIsRemovedOnce() {
        let copy = Self.file("copy/model.safetensors", "b", size: 1000)
        let manifest = Manifest(repo: "org/a", commit: String(repeating: "2", count: 40), files: [Self.shard, copy])
        let plan = EvictionPlan(model: manifest, others: [], layout: Self.layout)
        #expect(plan.blobs.count == 1)
        #expect(plan.freedBytes == 1000)
        #expect(plan.snapshotLinks.count == 2)
    }

    @Test func anotherRepoKeepsItsOwnBlobs() {
        let a = Manifest(repo: "org/a", commit: String(repeating: "3", count: 40), files: [Self.shard])
        let b = Manifest(repo: "org/b", commit: String(repeating: "3", count: 40), files: [Self.shard])
        let plan = EvictionPlan(model: a, others: [b], layout: Self.layout)
        #expect(plan.blobs.map(\.path) == [Self.layout.blob("org/a", Self.shard.digest)], "blobs live per repo in the HF layout")
        #expect(plan.shared.isEmpty)
    }

    @Test func aSharedBlobWhoseLinkGoesIsStillGoneForTheModel() {
        // Two commits of one repo: the blob stays for the other, but this commit's link goes.
        let old = Manifest(repo: "org/a", commit: String(repeating: "4", count: 40), files: [Self.shard])
        let new = Manifest(repo: "org/a", commit: String(repeating: "5", count: 40), files: [Self.shard])
        let plan = EvictionPlan(model: old, others: [new], layout: Self.layout)
        #expect(plan.blobs.isEmpty)
        #expect(plan.shared == ["model.safetensors"])
        #expect(plan.removedPaths == ["model.safetensors"])
    }
}
