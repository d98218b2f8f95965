import ModeldCore
import Testing

/// What `adopt` makes of a folder's listing before hashing anything, and of the metadata
/// `hf download --local-dir` leaves.
@Suite struct AdoptionPlanTests {
    static let commit = String(repeating: "a", count: 40)
    static let manifest = Manifest(repo: "Wan-AI/Wan2.2-TI2V-5B", commit: commit, files: [
        ManifestFile(path: "config.json", size: 100, digest: .gitBlobSHA1(String(repeating: "1", count: 40))),
        ManifestFile(path: "diffusion_pytorch_model-00001-of-00003.safetensors", size: 9_000, digest: .sha256(String(repeating: "2", count: 64))),
        ManifestFile(path: "diffusion_pytorch_model-00002-of-00003.safetensors", size: 9_000, digest: .sha256(String(repeating: "3", count: 64))),
        ManifestFile(path: "diffusion_pytorch_model-00003-of-00003.safetensors", size: 9_000, digest: .sha256(String(repeating: "4", count: 64))),
        ManifestFile(path: "google/umt5-xxl/spiece.model", size: 500, digest: .sha256(String(repeating: "5", count: 64))),
        ManifestFile(path: "Wan2.2_VAE.pth", size: 800, digest: .sha256(String(repeating: "6", count: 64))),
    ])

    @Test func eachFileIsACandidateOnlyAtItsListedSizeAndTheRestSaysWhyItIsFetched() {
        let plan = AdoptionPlan(manifest: Self.manifest, folder: [
            "config.json": FolderEntry(size: 100),
            "diffusion_pytorch_model-00001-of-00003.safetensors": FolderEntry(size: 9_000, isSymlink: true),
            "diffusion_pytorch_model-00002-of-00003.safetensors": FolderEntry(size: 4_000),
            "diffusion_pytorch_model-00003-of-00003.safetensors": FolderEntry(size: 9_001),
            "Wan2.2_VAE.pth": FolderEntry(size: 132, isLFSPointer: true),
            "README.md": FolderEntry(size: 10),
            "examples/i2v_input.JPG": FolderEntry(size: 10),
        ])
        #expect(plan.candidates.map(\.path) == ["config.json", "diffusion_pytorch_model-00001-of-00003.safetensors"])
        #expect(plan.candidateBytes == 9_100)
        #expect(plan.toFetch.map(\.file.path) == [
            "diffusion_pytorch_model-00002-of-00003.safetensors", "diffusion_pytorch_model-00003-of-00003.safetensors",
            "google/umt5-xxl/spiece.model", "Wan2.2_VAE.pth",
        ])
        #expect(plan.toFetch.map(\.reason) == [
            "4000 of 9000 bytes: the rest is fetched", "9001 bytes, the manifest says 9000", "not in the folder",
            "a git-lfs pointer (git lfs pull never ran)",
        ])
        #expect(plan.extras == ["README.md", "examples/i2v_input.JPG"])
        #expect(plan.unreadable == nil)
    }

    @Test func anUnreadableFileOfTheModelStopsThePlanButAnUnreadableExtraDoesNot() {
        var folder = ["config.json": FolderEntry(size: 100), "notes/private.txt": FolderEntry(size: 3, problem: "it cannot be read: Permission denied")]
        #expect(AdoptionPlan(manifest: Self.manifest, folder: folder).unreadable == nil)
        folder["Wan2.2_VAE.pth"] = FolderEntry(size: 800, problem: "it cannot be read: Permission denied")
        let plan = AdoptionPlan(manifest: Self.manifest, folder: folder)
        #expect(plan.unreadable?.path == "Wan2.2_VAE.pth" && plan.unreadable?.problem.contains("Permission denied") == true)
    }

    @Test func localDirMetadataNamesTheCommitMostFilesCameFrom() throws {
        let text = "\(Self.commit)\n\"2a4f\"\n1733222400.5\n"
        let metadata = try #require(LocalDirMetadata(text: text))
        #expect(metadata.commit == Self.commit && metadata.etag == "2a4f")
        #expect(LocalDirMetadata(text: "not a commit\netag\n1\n") == nil)
        #expect(LocalDirMetadata(text: Self.commit) == nil)
        #expect(LocalDirMetadata.describedFile(".cache/huggingface/download/google/umt5-xxl/spiece.model.metadata") == "google/umt5-xxl/spiece.model")
        #expect(LocalDirMetadata.describedFile(".cache/huggingface/download/x.lock") == nil)
        let older = String(repeating: "b", count: 40)
        let named = LocalDirMetadata.commit(namedBy: [
            LocalDirMetadata(commit: Self.commit, etag: "1"), LocalDirMetadata(commit: older, etag: "2"), LocalDirMetadata(commit: Self.commit, etag: "3"),
        ])
        #expect(named == Self.commit)
        #expect(LocalDirMetadata.commit(namedBy: []) == nil)
    }

    @Test func aScanMatchesAFolderHoldingMostOfAModelAndNotOneSharingAConfig() {
        let listing: [String: FolderEntry] = [
            "models/Wan2.2-TI2V-5B/config.json": FolderEntry(size: 100),
            "models/Wan2.2-TI2V-5B/diffusion_pytorch_model-00001-of-00003.safetensors": FolderEntry(size: 9_000),
            "models/Wan2.2-TI2V-5B/diffusion_pytorch_model-00002-of-00003.safetensors": FolderEntry(size: 9_000),
            "models/other/config.json": FolderEntry(size: 100),
            "config.json": FolderEntry(size: 100),
        ]
        let found = FolderMatch(manifest: Self.manifest, listing: listing, folder: "models/Wan2.2-TI2V-5B")
        #expect(found.matchedFiles == 3 && found.matchedBytes == 18_100 && found.isCandidate, "two thirds of the bytes")
        #expect(!FolderMatch(manifest: Self.manifest, listing: listing, folder: "models/other").isCandidate)
        #expect(!FolderMatch(manifest: Self.manifest, listing: listing, folder: "").isCandidate, "the root holds only a config")
        #expect(!FolderMatch(manifest: Self.manifest, listing: listing, folder: "models").isCandidate)
    }
}
